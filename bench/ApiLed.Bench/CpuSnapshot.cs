using System.Diagnostics;

namespace ApiLed.Bench;

/// <summary>The CPU time each watched process and the whole machine had used at one moment (<paramref name="Taken"/>, a <see cref="Stopwatch"/> timestamp).</summary>
public sealed record CpuSnapshot(IReadOnlyDictionary<string, TimeSpan> Processes, TimeSpan Machine, long Taken)
{
    public static CpuSnapshot Take(IReadOnlyDictionary<string, int> pids) => new(
        pids.ToDictionary(p => p.Key, p => ProcessCpu.CpuTime(p.Value) ?? TimeSpan.Zero),
        ProcessCpu.MachineBusy(),
        Stopwatch.GetTimestamp());

    /// <summary>
    /// How busy the machine's cores were from <paramref name="start"/> to this snapshot, in percent of all of them
    /// (100 = every core busy all the time): the load a fixed rate really put on the machine.
    /// </summary>
    public double MachineBusyPercentSince(CpuSnapshot start)
    {
        var wall = Stopwatch.GetElapsedTime(start.Taken, Taken);
        return wall <= TimeSpan.Zero ? double.NaN : 100 * (Machine - start.Machine) / (wall * Environment.ProcessorCount);
    }

    /// <summary>CPU milliseconds per order from <paramref name="start"/> to this snapshot, per process and for the machine.</summary>
    public IReadOnlyDictionary<string, double> PerOrderSince(CpuSnapshot start, int orders)
    {
        var perOrder = Processes.ToDictionary(p => p.Key, p => (p.Value - start.Processes.GetValueOrDefault(p.Key)).TotalMilliseconds / orders);
        perOrder["machine"] = (Machine - start.Machine).TotalMilliseconds / orders;
        return perOrder;
    }
}
