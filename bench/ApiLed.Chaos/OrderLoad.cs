using System.Diagnostics;

namespace ApiLed.Chaos;

/// <summary>
/// Places the orders through the gateway, spread evenly over the load window with at most <c>--concurrency</c> requests
/// in flight, and sends each planned replay (same key, same body) a few seconds after its original. A request without a
/// 202 is sent again with the same key, as a partner's client would, with backoff, for up to two minutes.
/// </summary>
internal sealed class OrderLoad(GatewayClient gateway, int concurrency, Action<string> say)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    /// <summary>Sends every order (and replay) of <paramref name="records"/>; returns when all of them were answered or given up.</summary>
    public async Task RunAsync(IReadOnlyList<OrderRecord> records, TimeSpan window, Stopwatch clock, CancellationToken ct)
    {
        var interval = window / Math.Max(1, records.Count);
        var sends = records.Select((r, i) => (At: interval * i, Record: r, Replay: false))
            .Concat(records.Where(r => r.Planned.ReplayAfter is not null)
                .Select(r => (At: interval * r.Planned.Index + r.Planned.ReplayAfter!.Value, Record: r, Replay: true)))
            .OrderBy(s => s.At)
            .ToList();
        using var slots = new SemaphoreSlim(concurrency);
        var inFlight = new List<Task>(sends.Count);
        var start = clock.Elapsed;
        var nextProgress = TimeSpan.FromSeconds(10);
        foreach (var send in sends)
        {
            var wait = start + send.At - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            await slots.WaitAsync(ct);
            inFlight.Add(SendAsync(send.Record, send.Replay, slots, ct));
            if (clock.Elapsed - start >= nextProgress)
            {
                nextProgress += TimeSpan.FromSeconds(10);
                say($"  t={clock.Elapsed.TotalSeconds,5:0}s  sent {inFlight.Count}/{sends.Count}, accepted {records.Count(r => r.OrderId is not null)}");
            }
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>Sends once more every order that never got a 202 (so that an order created without its answer reaching us is known).</summary>
    public async Task ResendUnacceptedAsync(IReadOnlyList<OrderRecord> records, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var unaccepted = records.Where(r => r.OrderId is null).ToList();
        if (unaccepted.Count > 0)
        {
            say($"  sending {unaccepted.Count} orders without a 202 once more");
        }

        await Task.WhenAll(unaccepted.Select(async r =>
        {
            await slots.WaitAsync(ct);
            await SendAsync(r, false, slots, ct);
        }));
    }

    private async Task SendAsync(OrderRecord record, bool replay, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            for (var attempt = 0; ; attempt++)
            {
                var answer = await gateway.PlaceOrderAsync(record.Planned.IdempotencyKey, record.Planned.BodyJson, ct);
                record.Record(answer, replay);
                if (answer.Accepted || !answer.Retryable || clock.Elapsed > GiveUpAfter)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, Math.Min(attempt, 5)))), ct);
            }
        }
        finally
        {
            slots.Release();
        }
    }
}
