using System.Diagnostics;

namespace ApiLed.Bench;

/// <summary>
/// Waits, after a warm-up, until the machine is quiet. What the warm-up made hot is compiled again, optimised, by each
/// process's background JIT thread, some of it after the load has moved on: in a choreography run measured straight
/// after a 4,000-order warm-up, the JIT threads had a fifth of the machine's <c>perf</c> samples (2026-11-27), counted
/// as the orders' CPU. This wait lets the queue the warm-up left drain (1–6 s after 6,000 orders that day); what the
/// measured load itself makes hot is still compiled during it. Both the layer and the Courier peer wait for it.
/// </summary>
public static class QuietMachine
{
    /// <summary>The machine counts as quiet below this busy share, twice in a row, half a second each.</summary>
    public const double QuietBusyPercent = 10;

    /// <summary>Waits until the machine is quiet or <paramref name="longest"/> has passed; returns how long it waited.</summary>
    public static async Task<TimeSpan> WaitAsync(TimeSpan longest, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (busy, total) = ProcessCpu.MachineTimes();
        var quietSamples = 0;
        while (quietSamples < 2 && Stopwatch.GetElapsedTime(started) < longest)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var (nowBusy, nowTotal) = ProcessCpu.MachineTimes();
            var share = nowTotal > total ? (nowBusy - busy) / (nowTotal - total) * 100 : 0;
            (busy, total) = (nowBusy, nowTotal);
            quietSamples = share < QuietBusyPercent ? quietSamples + 1 : 0;
        }

        return Stopwatch.GetElapsedTime(started);
    }
}
