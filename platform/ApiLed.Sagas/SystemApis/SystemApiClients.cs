using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Resilience;
using ApiLed.ServiceDefaults.Storage;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ApiLed.Sagas.SystemApis;

/// <summary>
/// Calls a system API and classifies the answer as a <see cref="StepOutcome"/>. Every call carries the step's
/// Idempotency-Key, so the retries of the resilience pipeline (and a resumed saga) never act twice.
/// </summary>
public abstract class SystemApiClient(HttpClient http)
{
    protected async Task<StepOutcome> PostAsync(string path, object? body, string idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, options: JsonSerializerOptions.Web),
        };
        request.Headers.Add(IdempotentRequests.HeaderName, idempotencyKey);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return new StepOutcome.Succeeded(text);
            }

            return HttpResilience.IsTransient(response.StatusCode)
                ? new StepOutcome.Faulted($"{http.BaseAddress?.Authority} answered {(int)response.StatusCode} {response.ReasonPhrase}",
                    Unavailable: response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
                : new StepOutcome.Rejected((int)response.StatusCode, DescribeProblem(text, (int)response.StatusCode));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
                                   || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Not reached at all (no connection, or the circuit is open): nothing happened, so waiting is safe.
            var unavailable = ex is BrokenCircuitException || (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
            return new StepOutcome.Faulted($"{http.BaseAddress?.Authority}: {ex.Message}", unavailable);
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
        catch (JsonException)
        {
            return $"HTTP {status}";
        }
    }
}

public sealed class InventoryClient(HttpClient http) : SystemApiClient(http)
{
    public Task<StepOutcome> ReserveAsync(ReserveInventoryRequest request, string key, CancellationToken ct) =>
        PostAsync("/api/v1/reservations", request, key, ct);

    public Task<StepOutcome> ReleaseAsync(string orderId, string key, CancellationToken ct) =>
        PostAsync($"/api/v1/reservations/{Uri.EscapeDataString(orderId)}/release", null, key, ct);
}

public sealed class BillingClient(HttpClient http) : SystemApiClient(http)
{
    public Task<StepOutcome> ChargeAsync(ChargeRequest request, string key, CancellationToken ct) =>
        PostAsync("/api/v1/charges", request, key, ct);

    public Task<StepOutcome> RefundAsync(string orderId, string key, CancellationToken ct) =>
        PostAsync($"/api/v1/charges/{Uri.EscapeDataString(orderId)}/refund", null, key, ct);
}

public sealed class ShippingClient(HttpClient http) : SystemApiClient(http)
{
    public Task<StepOutcome> CreateShipmentAsync(CreateShipmentRequest request, string key, CancellationToken ct) =>
        PostAsync("/api/v1/shipments", request, key, ct);

    public Task<StepOutcome> CancelShipmentAsync(string orderId, string key, CancellationToken ct) =>
        PostAsync($"/api/v1/shipments/{Uri.EscapeDataString(orderId)}/cancel", null, key, ct);
}
