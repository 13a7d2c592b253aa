using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiLed.Messaging;

/// <summary>
/// Readiness of every consumer and publisher: not ready while one of them is failing (named, with its error and
/// since when), or while a delivery has been handled longer than <c>RabbitMq:StuckAfter</c>.
/// </summary>
public sealed class BrokerClientsHealthCheck(BrokerClients clients, IOptions<RabbitMqOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var problems = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var client in clients.All)
        {
            if (client.CurrentFailure is { } failure)
            {
                var since = failure.Since == DateTimeOffset.MinValue ? "" : $" for {(now - failure.Since).TotalSeconds:0} s";
                problems.Add($"{client.Name} is not working{since}: {failure.Error}");
            }
            else if (client.OldestHandling is { } oldest && now - oldest.Since > options.Value.StuckAfter)
            {
                problems.Add($"{client.Name} has been handling message {oldest.MessageId} for {(now - oldest.Since).TotalSeconds:0} s");
            }

            data[client.Name] = client.CurrentFailure is null ? "working" : "failing";
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"{data.Count} broker client(s) working.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data));
    }
}
