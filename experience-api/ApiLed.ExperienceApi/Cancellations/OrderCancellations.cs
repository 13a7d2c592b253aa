using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ExperienceApi.Cancellations;

/// <summary>
/// Asks the process API to cancel an order's saga (<c>POST /api/v1/sagas/{orderId}/cancel</c>), where it is decided against
/// the saga's own state: a cancel is idempotent there, so the call is retried within its bounds.
/// </summary>
public sealed class OrderCancellations(IHttpClientFactory clients, ILogger<OrderCancellations> logger)
{
    public const string HttpClientName = "process-api";

    public async Task<CancelOutcome> CancelAsync(string orderId, string partnerId, string? reason, CancellationToken ct)
    {
        var http = clients.CreateClient(HttpClientName);
        try
        {
            using var response = await http.PostAsJsonAsync($"/api/v1/sagas/{Uri.EscapeDataString(orderId)}/cancel",
                new { by = $"partner {partnerId}", reason }, JsonSerializerOptions.Web, ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(JsonSerializerOptions.Web, ct);
            if (response.IsSuccessStatusCode)
            {
                return new CancelOutcome.Taken(body.GetProperty("status").GetString() ?? "cancelling", body.GetProperty("version").GetInt32());
            }

            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                var type = body.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
                return new CancelOutcome.Refused(type.StartsWith(Problems.TypeBase, StringComparison.Ordinal) ? type[Problems.TypeBase.Length..] : "order-not-cancellable",
                    body.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "");
            }

            logger.LogWarning("The process API answered {Status} to the cancel of order {OrderId}", (int)response.StatusCode, orderId);
            return new CancelOutcome.Unavailable($"the process API answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or Polly.Timeout.TimeoutRejectedException
                                       or Polly.CircuitBreaker.BrokenCircuitException or KeyNotFoundException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Cancelling order {OrderId} in the process API failed", orderId);
            return new CancelOutcome.Unavailable(ex.Message);
        }
    }
}
