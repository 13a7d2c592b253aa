using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using ApiLed.LayerRunner;

namespace ApiLed.Chaos;

/// <summary>The gateway as a partner (placing and reading orders) and as an operator (retrying parked sagas) sees it. Every call is bounded in time.</summary>
internal sealed class GatewayClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private readonly HttpClient _http;
    private readonly LayerEndpoints _endpoints;

    public GatewayClient(LayerEndpoints endpoints)
    {
        _endpoints = endpoints;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = new Uri(endpoints.GatewayUrl + "/"),
            Timeout = CallTimeout,
        };
    }

    /// <summary>One attempt to place an order; never throws for network trouble (status 0 instead).</summary>
    public async Task<PlaceAnswer> PlaceOrderAsync(string idempotencyKey, string bodyJson, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/orders")
        {
            Content = new StringContent(bodyJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", _endpoints.PartnerKey);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if ((int)response.StatusCode != 202)
            {
                return new PlaceAnswer((int)response.StatusCode, null, 0, false, Shorten(text));
            }

            using var body = JsonDocument.Parse(text);
            var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
            return new PlaceAnswer(202, body.RootElement.GetProperty("orderId").GetString(), body.RootElement.GetProperty("totalCents").GetInt64(), replayed, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return new PlaceAnswer(0, null, 0, false, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>The order, or null when the gateway gave no usable answer this time.</summary>
    public async Task<OrderView?> GetOrderAsync(string orderId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/orders/{orderId}");
        request.Headers.Add("X-Api-Key", _endpoints.PartnerKey);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<OrderView>(JsonSerializerOptions.Web, ct) : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// An operator's <c>POST /api/v1/sagas/{orderId}/retry-compensation</c>, sent again (after <c>Retry-After</c>) while the
    /// gateway answers 429 (an operator's rate limit), a 5xx or nothing, for up to ten minutes; the last status code (0: no answer).
    /// </summary>
    public async Task<int> RetryCompensationAsync(string orderId, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/sagas/{orderId}/retry-compensation")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { by = "chaos-operator", reason = "the injected fault is over" }),
            };
            request.Headers.Add("X-Api-Key", _endpoints.OperatorKey);
            int status;
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                using var response = await _http.SendAsync(request, ct);
                status = (int)response.StatusCode;
                if (response.Headers.RetryAfter?.Delta is { } delta)
                {
                    wait = delta + TimeSpan.FromMilliseconds(Random.Shared.Next(500));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                status = 0;
            }

            if (status is not (0 or 429 or >= 500) || DateTimeOffset.UtcNow + wait > deadline)
            {
                return status;
            }

            await Task.Delay(wait, ct);
        }
    }

    /// <summary>The order ids waiting for an approval (<c>GET /api/v1/approvals</c> as an operator); null when the gateway gave no usable answer.</summary>
    public Task<IReadOnlyList<string>?> ListApprovalsAsync(CancellationToken ct) =>
        OperatorReadAsync<IReadOnlyList<string>>("api/v1/approvals", body => [.. body.EnumerateArray().Select(a => a.GetProperty("orderId").GetString()!)], ct);

    /// <summary>An operator's approval or rejection of an order (one attempt); the status code, 0 when there was no answer.</summary>
    public async Task<int> DecideApprovalAsync(string orderId, bool approve, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/approvals/{orderId}/{(approve ? "approve" : "reject")}")
        {
            Content = JsonContent.Create(new { by = "chaos-desk", reason = approve ? "checked by the chaos tool" : "refused by the chaos tool" }),
        };
        request.Headers.Add("X-Api-Key", _endpoints.OperatorKey);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return 0;
        }
    }

    /// <summary>The flow new orders run and its mode, from the operators' flow view (for a running layer); null when unavailable.</summary>
    public Task<string?> DescribeOrderFlowAsync(CancellationToken ct) => OperatorReadAsync("api/v1/flows", body =>
    {
        var name = body.GetProperty("orderFlow").GetString();
        var mode = body.GetProperty("flows").EnumerateArray()
            .Where(f => f.GetProperty("name").GetString() == name).Select(f => f.GetProperty("mode").GetString()).FirstOrDefault();
        return $"{mode} ({name})";
    }, ct);

    /// <summary>An operator's GET, its JSON answer read by <paramref name="read"/>; null when the gateway gave no usable answer.</summary>
    private async Task<T?> OperatorReadAsync<T>(string path, Func<JsonElement, T> read, CancellationToken ct) where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", _endpoints.OperatorKey);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return read(body.RootElement);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException
                                      && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
