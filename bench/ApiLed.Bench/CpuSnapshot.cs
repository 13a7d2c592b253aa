namespace ApiLed.Bench;

/// <summary>The CPU time each watched process and the whole machine had used at one moment.</summary>
public sealed record CpuSnapshot(IReadOnlyDictionary<string, TimeSpan> Processes, TimeSpan Machine)
{
    public static CpuSnapshot Take(IReadOnlyDictionary<string, int> pids) => new(
        pids.ToDictionary(p => p.Key, p => ProcessCpu.CpuTime(p.Value) ?? TimeSpan.Zero),
        ProcessCpu.MachineBusy());

    /// <summary>CPU milliseconds per order from <paramref name="start"/> to this snapshot, per process and for the machine.</summary>
    public IReadOnlyDictionary<string, double> PerOrderSince(CpuSnapshot start, int orders)
    {
        var perOrder = Processes.ToDictionary(p => p.Key, p => (p.Value - start.Processes.GetValueOrDefault(p.Key)).TotalMilliseconds / orders);
        perOrder["machine"] = (Machine - start.Machine).TotalMilliseconds / orders;
        return perOrder;
    }
}
