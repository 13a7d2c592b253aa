namespace ApiLed.Bench;

/// <summary>
/// The CPU time each watched process had used at one moment, and the machine's busy and total CPU time (all cores;
/// total counts idle time too).
/// </summary>
public sealed record CpuSnapshot(IReadOnlyDictionary<string, TimeSpan> Processes, TimeSpan Machine, TimeSpan MachineTotal)
{
    public static CpuSnapshot Take(IReadOnlyDictionary<string, int> pids)
    {
        var processes = pids.ToDictionary(p => p.Key, p => ProcessCpu.CpuTime(p.Value) ?? TimeSpan.Zero);
        var (busy, total) = ProcessCpu.MachineTimes();
        return new(processes, busy, total);
    }

    /// <summary>
    /// How busy the machine's cores were from <paramref name="start"/> to this snapshot, in percent of all of them
    /// (100 = every core busy all the time): the load a fixed rate really put on the machine.
    /// </summary>
    public double MachineBusyPercentSince(CpuSnapshot start)
    {
        var total = MachineTotal - start.MachineTotal;
        return total <= TimeSpan.Zero ? double.NaN : 100 * (Machine - start.Machine) / total;
    }

    /// <summary>CPU milliseconds per order from <paramref name="start"/> to this snapshot, per process and for the machine.</summary>
    public IReadOnlyDictionary<string, double> PerOrderSince(CpuSnapshot start, int orders)
    {
        var perOrder = Processes.ToDictionary(p => p.Key, p => (p.Value - start.Processes.GetValueOrDefault(p.Key)).TotalMilliseconds / orders);
        perOrder["machine"] = (Machine - start.Machine).TotalMilliseconds / orders;
        return perOrder;
    }
}
