namespace ApiLed.Bench;

/// <summary>Samples the resident memory of the watched processes every half second and keeps each one's peak.</summary>
public sealed class MemoryWatch : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, int> pids;
    private readonly Dictionary<string, long> peaks = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;

    public MemoryWatch(IReadOnlyDictionary<string, int> pids)
    {
        this.pids = pids;
        sampling = SampleAsync();
    }

    public IReadOnlyDictionary<string, long> Peaks
    {
        get
        {
            lock (peaks)
            {
                return new Dictionary<string, long>(peaks);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await sampling;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private async Task SampleAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            lock (peaks)
            {
                foreach (var (name, pid) in pids)
                {
                    if (ProcessCpu.ResidentBytes(pid) is { } rss && rss > peaks.GetValueOrDefault(name))
                    {
                        peaks[name] = rss;
                    }
                }
            }

            await Task.Delay(500, stop.Token);
        }
    }
}
