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

    /// <summary>The longest it waits.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);

    private static readonly Dictionary<string, int> NoProcesses = [];

    /// <summary>Waits until the machine is quiet or <see cref="Longest"/> has passed, and says how long it waited.</summary>
    public static async Task WaitAsync(Action<string> say, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var last = CpuSnapshot.Take(NoProcesses);
        var quietSamples = 0;
        while (quietSamples < 2 && Stopwatch.GetElapsedTime(started) < Longest)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var now = CpuSnapshot.Take(NoProcesses);
            quietSamples = now.MachineBusyPercentSince(last) < QuietBusyPercent ? quietSamples + 1 : 0;
            last = now;
        }

        say($"  quiet after the warm-up in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s (the JIT finishing)");
    }
}
