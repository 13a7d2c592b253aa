using System.Net.Http.Json;
using System.Text.Json;

namespace ApiLed.Bench;

/// <summary>
/// Load on a layer that is already running (./run.sh): accept throughput and latency, and accepted→terminal times read
/// through the gateway. No CPU figures: the bench does not own those processes.
/// </summary>
public static class RunningLayerRun
{
    public static async Task<int> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        using var gateway = new HttpClient { BaseAddress = new Uri(options.Gateway), Timeout = TimeSpan.FromSeconds(30) };
        gateway.DefaultRequestHeaders.Add("X-Api-Key", options.ApiKey);
        using var inventory = new HttpClient { BaseAddress = new Uri(options.Inventory) };
        var run = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        var sku = $"SKU-{run.ToUpperInvariant()}";
        (await inventory.PutAsJsonAsync($"/api/v1/stock/{sku}", new { name = "Bench item", unitPriceCents = 100, onHand = options.Orders }, ct)).EnsureSuccessStatusCode();

        var concurrency = options.Concurrency[0];
        say($"placing {options.Orders} orders at concurrency {concurrency} through {options.Gateway}");
        var placed = await new OrderLoad(gateway, sku).PlaceAsync(run, options.Orders, concurrency, ct);
        var orders = await FollowAsync(gateway, placed.OrderIds, ct);

        var result = new BenchResult
        {
            Name = "running layer",
            Orders = placed.Accepted,
            Concurrency = concurrency,
            Completed = orders.Count(o => o.Status == "completed"),
            Failed = orders.Count(o => o.Status != "completed"),
            CompletedPerSecond = orders.Count == 0 ? 0 : orders.Count / (orders.Max(o => o.UpdatedAt) - orders.Min(o => o.AcceptedAt)).TotalSeconds,
            AcceptedPerSecond = placed.Accepted / placed.Elapsed.TotalSeconds,
            AcceptP50Ms = Percentiles.Of(placed.AcceptMs, 50),
            AcceptP99Ms = Percentiles.Of(placed.AcceptMs, 99),
            TerminalP50Ms = Percentiles.Of(orders.Select(o => (o.UpdatedAt - o.AcceptedAt).TotalMilliseconds), 50),
            TerminalP99Ms = Percentiles.Of(orders.Select(o => (o.UpdatedAt - o.AcceptedAt).TotalMilliseconds), 99),
            Note = placed.Refused > 0 ? $"{placed.Refused} orders refused" : null,
        };
        Console.WriteLine();
        Console.WriteLine(ResultTable.Render([result]));
        return placed.Refused == 0 && orders.Count == placed.Accepted ? 0 : 1;
    }

    /// <summary>Reads each of the run's orders through the gateway until it is terminal (5 minutes at most); returns the terminal ones.</summary>
    private static async Task<List<ReadModel.OrderTimes>> FollowAsync(HttpClient gateway, IReadOnlyList<string> orderIds, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var pending = orderIds.ToList();
        var terminal = new List<ReadModel.OrderTimes>();
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var orderId in pending.ToList())
            {
                var order = await gateway.GetFromJsonAsync<JsonElement>($"/api/v1/orders/{orderId}", ct);
                if (order.GetProperty("status").GetString() is "completed" or "failed" or "needs-attention")
                {
                    terminal.Add(new ReadModel.OrderTimes(order.GetProperty("status").GetString()!, order.GetProperty("acceptedAt").GetDateTimeOffset(),
                        order.GetProperty("updatedAt").GetDateTimeOffset()));
                    pending.Remove(orderId);
                }
            }

            await Task.Delay(200, ct);
        }

        return terminal;
    }
}
