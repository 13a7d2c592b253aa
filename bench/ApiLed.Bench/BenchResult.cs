namespace ApiLed.Bench;

/// <summary>The figures of one measured run: a flow mode of the layer, or the Courier peer.</summary>
public sealed record BenchResult
{
    public required string Name { get; init; }

    public int Orders { get; init; }

    public int Concurrency { get; init; }

    public int Completed { get; init; }

    public int Failed { get; init; }

    /// <summary>Orders that reached a terminal status per second, from the first acceptance to the last terminal status.</summary>
    public double CompletedPerSecond { get; init; }

    public double AcceptedPerSecond { get; init; }

    public double AcceptP50Ms { get; init; }

    public double AcceptP99Ms { get; init; }

    public double TerminalP50Ms { get; init; }

    public double TerminalP99Ms { get; init; }

    /// <summary>CPU milliseconds per order for each process, and <c>machine</c> for the whole machine.</summary>
    public IReadOnlyDictionary<string, double> CpuMsPerOrder { get; init; } = new Dictionary<string, double>();

    /// <summary>How busy the machine's cores were during the measured run, in percent of all of them.</summary>
    public double MachineBusyPercent { get; init; } = double.NaN;

    /// <summary>Resident memory (MB) of each service after start-up, before any order.</summary>
    public IReadOnlyDictionary<string, double> IdleRssMb { get; init; } = new Dictionary<string, double>();

    /// <summary>Peak resident memory (MB) of each service during the measured run.</summary>
    public IReadOnlyDictionary<string, double> PeakRssMb { get; init; } = new Dictionary<string, double>();

    public string? Note { get; init; }
}
