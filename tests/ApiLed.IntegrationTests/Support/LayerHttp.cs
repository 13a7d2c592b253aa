using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;

namespace ApiLed.IntegrationTests.Support;

/// <summary>An order's status as the experience API shows it (the test's own copy of the wire shape).</summary>
public sealed record OrderView(
    string OrderId, string Status, long TotalCents, List<SagaStepView> Steps, OrderFailure? Failure, List<string> Compensated,
    List<NotificationEntry> Notifications)
{
    public string StepStatus(string name) => Steps.Single(s => s.Name == name).Status;
}

public sealed record OrderFailure(string Step, string Reason);

public sealed record NotificationEntry(string Event, string Status, int Attempts, DateTimeOffset? DeliveredAt, string? LastError);

public sealed record SagaView(string OrderId, string Status, string? FailedStep, string? FailureReason, List<SagaStepEntry> Steps, List<SagaHistoryLine> History);

public sealed record SagaStepEntry(string Name, string Operation, string? Compensation, string Status, int Attempts, string? Error, string? Result = null);

public sealed record SagaHistoryLine(DateTimeOffset At, string Kind, string? Step, string? Detail);

/// <summary>Calls of the layer's HTTP APIs the tests share.</summary>
public static class LayerHttp
{
    public const string OkCard = "card-ok-4242";
    public const string DecliningCard = "card-declined-0002";
    public const string UnservedCountry = "AQ";

    public static string NewSku() => "SKU-T-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    public static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    public static object Order(string sku, int quantity = 1, string payment = OkCard, string country = "GB", string? callbackUrl = null,
        string customerId = "cust-test") => new
    {
        customerId,
        lines = new[] { new { sku, quantity } },
        paymentReference = payment,
        shipTo = new { name = "Ada Lovelace", line1 = "12 St James's Square", city = "London", postalCode = "SW1Y 4JH", country },
        callbackUrl,
    };

    public static async Task<HttpResponseMessage> PostOrderAsync(this HttpClient client, string idempotencyKey, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>Places an order and returns its id, asserting the 202 answer the partner contract promises.</summary>
    public static async Task<string> PlaceOrderAsync(this HttpClient client, object body, string? idempotencyKey = null)
    {
        using var response = await client.PostOrderAsync(idempotencyKey ?? NewKey(), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        Assert.NotNull(response.Headers.Location);
        Assert.NotNull(response.Headers.RetryAfter);
        return response.Headers.Location!.OriginalString.Split('/')[^1];
    }

    public static async Task<OrderView> GetOrderAsync(this HttpClient client, string orderId) =>
        (await client.GetFromJsonAsync<OrderView>($"/api/v1/orders/{orderId}", JsonSerializerOptions.Web))!;

    /// <summary>Polls the order until it reaches a terminal status (completed, failed, needs-attention).</summary>
    public static Task<OrderView> WaitForTerminalAsync(this HttpClient client, string orderId, TimeSpan? timeout = null) =>
        Eventually.GetAsync(() => client.GetOrderAsync(orderId), o => SagaStatuses.IsTerminal(o.Status), timeout ?? TimeSpan.FromSeconds(60),
            $"order {orderId} to reach a terminal status");

    public static async Task<SagaView?> GetSagaAsync(this HttpClient processApi, string orderId)
    {
        using var response = await processApi.GetAsync($"/api/v1/sagas/{orderId}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : (await response.Content.ReadFromJsonAsync<SagaView>(JsonSerializerOptions.Web))!;
    }

    /// <summary>
    /// The order's saga once the process API's view has reached <paramref name="status"/> (in choreography the process API
    /// follows the events, so its view may trail the partner's by a moment).
    /// </summary>
    public static async Task<SagaView> WaitForSagaAsync(this HttpClient processApi, string orderId, string status) =>
        (await Eventually.GetAsync(() => processApi.GetSagaAsync(orderId), s => s?.Status == status, TimeSpan.FromSeconds(30),
            $"the saga of {orderId} to be {status} in the process API's view"))!;

    public static async Task<int> SagaCountAsync(this HttpClient processApi, string? status = null) =>
        (await processApi.GetFromJsonAsync<List<JsonElement>>($"/api/v1/sagas?limit=500{(status is null ? "" : "&status=" + status)}", JsonSerializerOptions.Web))!.Count;

    public static async Task<int> OrderCountAsync(this HttpClient experience) =>
        (await experience.GetFromJsonAsync<List<JsonElement>>("/api/v1/orders?limit=500", JsonSerializerOptions.Web))!.Count;

    public static async Task SetStockAsync(this HttpClient inventory, string sku, int onHand, long unitPriceCents = 1000)
    {
        using var response = await inventory.PutAsJsonAsync($"/api/v1/stock/{sku}", new PutStockRequest("Test item " + sku, unitPriceCents, onHand));
        response.EnsureSuccessStatusCode();
    }

    public static async Task<StockItem> GetStockAsync(this HttpClient inventory, string sku) =>
        (await inventory.GetFromJsonAsync<StockItem>($"/api/v1/stock/{sku}", JsonSerializerOptions.Web))!;

    public static Task<ReservationResponse?> GetReservationAsync(this HttpClient inventory, string orderId) =>
        GetOrNullAsync<ReservationResponse>(inventory, $"/api/v1/reservations/{orderId}");

    public static Task<ChargeResponse?> GetChargeAsync(this HttpClient billing, string orderId) =>
        GetOrNullAsync<ChargeResponse>(billing, $"/api/v1/charges/{orderId}");

    public static Task<ShipmentResponse?> GetShipmentAsync(this HttpClient shipping, string orderId) =>
        GetOrNullAsync<ShipmentResponse>(shipping, $"/api/v1/shipments/{orderId}");

    public static async Task<List<ChargeResponse>> ListChargesAsync(this HttpClient billing) =>
        (await billing.GetFromJsonAsync<List<ChargeResponse>>("/api/v1/charges", JsonSerializerOptions.Web))!;

    private static async Task<T?> GetOrNullAsync<T>(HttpClient client, string path) where T : class
    {
        using var response = await client.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web);
    }
}

/// <summary>Polling with a deadline, for outcomes that arrive asynchronously.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; last seen: {JsonSerializer.Serialize(last, JsonSerializerOptions.Web)}");
            }

            await Task.Delay(200);
        }
    }
}

public static class JsonHttp
{
    public static async Task<List<JsonElement>> GetFromJsonListAsync(this HttpClient client, string path) =>
        (await client.GetFromJsonAsync<List<JsonElement>>(path, JsonSerializerOptions.Web))!;
}
