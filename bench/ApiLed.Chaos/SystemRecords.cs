using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;

using ApiLed.LayerRunner;

namespace ApiLed.Chaos;

/// <summary>Reads the system APIs' own records (their list endpoints, straight to each system API) and creates the run's SKUs.</summary>
internal sealed class SystemRecords : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly LayerEndpoints _endpoints;

    public SystemRecords(LayerEndpoints endpoints) => _endpoints = endpoints;

    /// <summary>Creates the run's SKUs with their stock on the inventory API.</summary>
    public async Task CreateStockAsync(OrderMix mix, CancellationToken ct)
    {
        for (var i = 0; i < mix.Skus.Count; i++)
        {
            using var response = await _http.PutAsJsonAsync($"{_endpoints.InventoryUrl}/api/v1/stock/{mix.Skus[i]}", mix.Stock[i], JsonSerializerOptions.Web, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The inventory API refused SKU {mix.Skus[i]} ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }

    public async Task<SystemSnapshot> ReadAsync(CancellationToken ct)
    {
        var stock = GetAsync<StockItem>($"{_endpoints.InventoryUrl}/api/v1/stock", ct);
        var reservations = GetAsync<ReservationResponse>($"{_endpoints.InventoryUrl}/api/v1/reservations", ct);
        var charges = GetAsync<ChargeResponse>($"{_endpoints.BillingUrl}/api/v1/charges", ct);
        var shipments = GetAsync<ShipmentResponse>($"{_endpoints.ShippingUrl}/api/v1/shipments", ct);
        return new SystemSnapshot(await stock, await reservations, await charges, await shipments);
    }

    /// <summary>
    /// Reads the records until two reads <paramref name="quiet"/> apart agree (or <paramref name="timeout"/> passes).
    /// Returns the last read and the orders whose records still changed (empty when they settled).
    /// </summary>
    public async Task<(SystemSnapshot Snapshot, IReadOnlyList<string> StillChanging)> ReadSettledAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var previous = await ReadAsync(ct);
        while (true)
        {
            await Task.Delay(quiet, ct);
            var current = await ReadAsync(ct);
            var before = previous.ByOrder();
            var changed = current.ByOrder().Where(o => before.GetValueOrDefault(o.Key) != o.Value).Select(o => o.Key)
                .Concat(before.Keys.Where(k => !current.ByOrder().ContainsKey(k)))
                .Distinct().Order(StringComparer.Ordinal).ToList();
            if (changed.Count == 0 || clock.Elapsed > timeout)
            {
                return (current, changed);
            }

            previous = current;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<List<T>> GetAsync<T>(string url, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _http.GetFromJsonAsync<List<T>>(url, JsonSerializerOptions.Web, ct)
                    ?? throw new InvalidOperationException($"{url} answered no list.");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
            }
        }
    }
}
