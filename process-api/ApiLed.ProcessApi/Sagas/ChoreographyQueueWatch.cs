using ApiLed.Messaging;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Looks at the choreography queues (passive declares: ready messages and consumers) and records what it saw in
/// <see cref="QueueObservations"/>. Every broker call is bounded; a queue that does not exist yet, or a broker that
/// is away, gives no observation, which only delays stall detection.
/// </summary>
public sealed partial class ChoreographyQueueWatch(
    RabbitMqConnectionProvider connections,
    QueueObservations observations,
    IOptions<RabbitMqOptions> options,
    TimeProvider time,
    ILogger<ChoreographyQueueWatch> logger) : IAsyncDisposable
{
    private readonly QueueInspector inspector = new(connections, options);

    public async Task ObserveAsync(IEnumerable<string> queues, CancellationToken ct)
    {
        foreach (var queue in queues)
        {
            try
            {
                // A queue nobody ever declared: no participant of that system has run. Its events go nowhere.
                var seen = await inspector.LookAsync(queue, ct) ?? (uint.MaxValue, 0u);
                observations.Record(queue, seen.Ready, seen.Consumers, time.GetUtcNow());
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogCannotObserve(logger, queue, ex.Message);
            }
        }
    }

    public ValueTask DisposeAsync() => inspector.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot look at queue {Queue} for stall detection: {Error}")]
    private static partial void LogCannotObserve(ILogger logger, string queue, string error);
}
