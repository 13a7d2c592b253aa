using System.Diagnostics;
using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>
/// After the load: waits until every accepted order is terminal, has an operator retry every parked
/// (<c>needs-attention</c>) saga through the gateway, and waits again until those are settled.
/// </summary>
internal sealed class Settlement(GatewayClient gateway, Action<string> say)
{
    private const int ReadConcurrency = 16;

    /// <summary>The operator's retries: how many were sent, and how many were answered 202.</summary>
    public (int Sent, int Accepted) OperatorRetries { get; private set; }

    public async Task SettleAsync(IReadOnlyList<OrderRecord> records, TimeSpan timeout, Stopwatch clock, CancellationToken ct)
    {
        var accepted = records.Where(r => r.OrderId is not null).ToList();
        await WaitAsync(accepted, r => r.Final?.IsTerminal == true, timeout, clock, ct);

        var parked = accepted.Where(r => r.Final?.Status == SagaStatuses.NeedsAttention).ToList();
        if (parked.Count > 0)
        {
            say($"  t={clock.Elapsed.TotalSeconds,5:0}s  an operator retries the compensation of {parked.Count} parked sagas");
            using var slots = new SemaphoreSlim(ReadConcurrency);
            await Task.WhenAll(parked.Select(async r =>
            {
                await slots.WaitAsync(ct);
                try
                {
                    r.OperatorRetry = await gateway.RetryCompensationAsync(r.OrderId!, ct);
                }
                finally
                {
                    slots.Release();
                }
            }));
            OperatorRetries = (parked.Count, parked.Count(r => r.OperatorRetry == 202));
            // A retried saga is settled once it is completed or failed; give it the time to get there.
            await WaitAsync(accepted, r => r.Final?.Status is SagaStatuses.Completed or SagaStatuses.Failed
                                            || (r.Final?.IsTerminal == true && r.OperatorRetry is null), timeout, clock, ct);
        }

        // One last read of every order, so the checks see the newest status of each.
        await ReadAsync(accepted, ct);
    }

    private async Task WaitAsync(List<OrderRecord> records, Func<OrderRecord, bool> settled, TimeSpan timeout, Stopwatch clock, CancellationToken ct)
    {
        var deadline = clock.Elapsed + timeout;
        var nextProgress = clock.Elapsed + TimeSpan.FromSeconds(10);
        while (true)
        {
            await ReadAsync([.. records.Where(r => !settled(r))], ct);
            var open = records.Count(r => !settled(r));
            if (open == 0)
            {
                return;
            }

            if (clock.Elapsed > deadline)
            {
                say($"  t={clock.Elapsed.TotalSeconds,5:0}s  gave up waiting: {open} orders not settled after {timeout.TotalSeconds:0} s");
                return;
            }

            if (clock.Elapsed > nextProgress)
            {
                nextProgress += TimeSpan.FromSeconds(10);
                say($"  t={clock.Elapsed.TotalSeconds,5:0}s  waiting for {open} orders to settle");
            }

            await Task.Delay(1000, ct);
        }
    }

    private async Task ReadAsync(List<OrderRecord> records, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(ReadConcurrency);
        await Task.WhenAll(records.Select(async r =>
        {
            await slots.WaitAsync(ct);
            try
            {
                if (await gateway.GetOrderAsync(r.OrderId!, ct) is { } view)
                {
                    r.Final = view;
                }
            }
            finally
            {
                slots.Release();
            }
        }));
    }
}
