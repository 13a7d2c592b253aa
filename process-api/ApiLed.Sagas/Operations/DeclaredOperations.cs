using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Storage;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ApiLed.Sagas.Operations;

/// <summary>
/// Runs the operations a saga's definition declares: builds the request from the operation's path and body templates
/// over the saga (<see cref="OperationScope"/>), sends it with the system's client (base URL, timeout, circuit breaker,
/// concurrency limit) and the step's Idempotency-Key on every mutating call, classifies the answer and keeps the
/// declared fields of a success as the step's result. The orchestrator and the participants both run operations here.
/// </summary>
public sealed class DeclaredOperations(ISystemDirectory systems)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    /// <summary>Whether <paramref name="saga"/> (or, for an older saga, the directory) declares <paramref name="operation"/>.</summary>
    public bool CanRun(SagaState saga, string operation) => Find(saga, operation) is not null;

    /// <summary>Runs <paramref name="operation"/> for <paramref name="step"/> of <paramref name="saga"/> (its forward operation or its undo).</summary>
    public async Task<StepOutcome> ExecuteAsync(SagaState saga, string step, string operation, string idempotencyKey, CancellationToken ct)
    {
        var definition = Find(saga, operation)
                         ?? throw new InvalidOperationException($"Saga {saga.OrderId}: its definition declares no operation '{operation}'.");
        var system = OperationNames.SystemOf(operation) ?? operation;
        if (!systems.TryGetClient(system, out var http))
        {
            return new StepOutcome.Faulted(
                $"system '{system}' is not configured: add Flows:Systems:{system} with its BaseUrl to the flows file and reload", Unavailable: true,
                NotSent: true);
        }

        using var scope = OperationScope.Of(saga, step);
        using var request = new HttpRequestMessage(HttpMethod.Parse(definition.Method),
            TextTemplate.Of(definition.Path).Render(scope.RootElement, Uri.EscapeDataString));
        if (definition.Body.Count > 0)
        {
            request.Content = new ByteArrayContent(RenderBody(definition.Body, scope.RootElement)) { Headers = { ContentType = Json } };
        }

        if (definition.Mutating)
        {
            request.Headers.Add(IdempotentRequests.HeaderName, idempotencyKey);
        }

        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            return definition.Outcomes.Classify(status) switch
            {
                AnswerClass.Success => new StepOutcome.Succeeded(KeepResult(text, definition.Result)),
                AnswerClass.Transient => new StepOutcome.Faulted($"{http.BaseAddress?.Authority} answered {status} {response.ReasonPhrase}",
                    Unavailable: response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable),
                _ => new StepOutcome.Rejected(status, DescribeProblem(text, status)),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
                                   || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Not reached at all (no connection, or the circuit is open): nothing happened, so waiting is safe.
            // Only an open circuit proves the request was not sent: a refused connection may follow a request that a reused
            // connection delivered before the system died (the handler retries it on a new connection), so it may have acted.
            var unavailable = ex is BrokenCircuitException || (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
            return new StepOutcome.Faulted($"{http.BaseAddress?.Authority}: {ex.Message}", unavailable, NotSent: ex is BrokenCircuitException);
        }
    }

    private OperationDefinition? Find(SagaState saga, string operation) =>
        saga.Definition.Operations.TryGetValue(operation, out var pinned) ? pinned : systems.CurrentOperation(operation);

    /// <summary>The body's fields as a JSON object; a dotted field name nests (<c>shipTo.country</c>).</summary>
    public static byte[] RenderBody(IReadOnlyDictionary<string, string> fields, JsonElement scope)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteObject(writer, [.. fields.Select(f => (Path: f.Key.Split('.'), Template: f.Value)).OrderBy(f => f.Path, PathOrder.Instance)], 0, scope);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteObject(Utf8JsonWriter writer, IReadOnlyList<(string[] Path, string Template)> fields, int depth, JsonElement scope)
    {
        writer.WriteStartObject();
        for (var i = 0; i < fields.Count;)
        {
            var name = fields[i].Path[depth];
            var end = i;
            while (end < fields.Count && fields[end].Path[depth] == name)
            {
                end++;
            }

            writer.WritePropertyName(name);
            if (fields[i].Path.Length == depth + 1)
            {
                TextTemplate.Of(fields[i].Template).WriteTo(writer, scope);
            }
            else
            {
                WriteObject(writer, [.. fields.Skip(i).Take(end - i).Where(f => f.Path.Length > depth + 1)], depth + 1, scope);
            }

            i = end;
        }

        writer.WriteEndObject();
    }

    /// <summary>The declared fields of the answer as a JSON object (all of it when none are declared, or it is not a JSON object).</summary>
    public static string? KeepResult(string answer, IReadOnlyList<string> fields)
    {
        if (fields.Count == 0 || string.IsNullOrEmpty(answer))
        {
            return answer;
        }

        try
        {
            using var parsed = JsonDocument.Parse(answer);
            if (parsed.RootElement.ValueKind != JsonValueKind.Object)
            {
                return answer;
            }

            var buffer = new ArrayBufferWriter<byte>(128);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var field in fields)
                {
                    if (parsed.RootElement.TryGetProperty(field, out var value))
                    {
                        writer.WritePropertyName(field);
                        value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return answer;
        }
    }

    private static string DescribeProblem(string body, int status)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            return detail ?? title ?? $"HTTP {status}";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return $"HTTP {status}";
        }
    }

    private sealed class PathOrder : IComparer<string[]>
    {
        public static readonly PathOrder Instance = new();

        public int Compare(string[]? x, string[]? y)
        {
            for (var i = 0; i < Math.Min(x!.Length, y!.Length); i++)
            {
                var c = string.CompareOrdinal(x[i], y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return x.Length.CompareTo(y.Length);
        }
    }
}
