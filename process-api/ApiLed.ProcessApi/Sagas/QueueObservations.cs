namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// What the process API saw of the choreography queues over the last minutes: when each queue had no ready
/// message (everything published before then had been handed to its consumer), and since when it has had no
/// consumer. Stall detection reads it so that a saga whose next event only waits in a queue is never taken for
/// stalled. Kept in memory: after a restart there is no evidence yet, which only delays detection.
/// </summary>
public sealed class QueueObservations(TimeSpan keep)
{
    private readonly Dictionary<string, QueueHistory> queues = new(StringComparer.Ordinal);
    private readonly Lock sync = new();

    /// <summary>Records one look at <paramref name="queue"/>: its ready messages and consumers at <paramref name="at"/>.</summary>
    public void Record(string queue, uint ready, uint consumers, DateTimeOffset at)
    {
        lock (sync)
        {
            if (!queues.TryGetValue(queue, out var history))
            {
                queues[queue] = history = new QueueHistory();
            }

            if (ready == 0)
            {
                history.Drained.Add(at);
                history.Drained.RemoveAll(t => t < at - keep);
            }

            history.NoConsumerSince = consumers == 0 ? history.NoConsumerSince ?? at : null;
        }
    }

    /// <summary>The first look at or after <paramref name="after"/> that found <paramref name="queue"/> with nothing ready.</summary>
    public DateTimeOffset? FirstDrainedAtOrAfter(string queue, DateTimeOffset after)
    {
        lock (sync)
        {
            return queues.TryGetValue(queue, out var history) && history.Drained.FirstOrDefault(t => t >= after) is var found && found != default
                ? found
                : null;
        }
    }

    /// <summary>Since when <paramref name="queue"/> has had no consumer, by every look since; null when it has one or was never seen.</summary>
    public DateTimeOffset? NoConsumerSince(string queue)
    {
        lock (sync)
        {
            return queues.TryGetValue(queue, out var history) ? history.NoConsumerSince : null;
        }
    }

    private sealed class QueueHistory
    {
        public List<DateTimeOffset> Drained { get; } = [];

        public DateTimeOffset? NoConsumerSince { get; set; }
    }
}
