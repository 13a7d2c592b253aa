using ApiLed.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

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
    private IChannel? channel;

    public async Task ObserveAsync(IEnumerable<string> queues, CancellationToken ct)
    {
        var limit = options.Value.OperationTimeout;
        foreach (var queue in queues)
        {
            try
            {
                if (channel is not { IsOpen: true })
                {
                    _ = BoundedBrokerCall.DisposeQuietlyAsync(channel, limit);
                    channel = null;
                    var connection = await connections.GetAsync(ct);
                    channel = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(cancellationToken: token), limit,
                        "opening the queue watch channel", ct);
                }

                var open = channel;
                var seen = await BoundedBrokerCall.RunAsync(token => open.QueueDeclarePassiveAsync(queue, token), limit, $"looking at {queue}", ct);
                observations.Record(queue, seen.MessageCount, seen.ConsumerCount, time.GetUtcNow());
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && IsMissingQueue(ex))
            {
                // Nobody ever declared it: no participant of that system has run. Its events go nowhere.
                observations.Record(queue, ready: uint.MaxValue, consumers: 0, time.GetUtcNow());
                channel = null;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogCannotObserve(logger, queue, ex.Message);
                _ = BoundedBrokerCall.DisposeQuietlyAsync(channel, limit);
                channel = null;
            }
        }
    }

    private static bool IsMissingQueue(Exception ex) =>
        ex.GetBaseException() is OperationInterruptedException { ShutdownReason.ReplyCode: 404 }
        || ex is OperationInterruptedException { ShutdownReason.ReplyCode: 404 };

    public async ValueTask DisposeAsync() => await BoundedBrokerCall.DisposeQuietlyAsync(channel, options.Value.OperationTimeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot look at queue {Queue} for stall detection: {Error}")]
    private static partial void LogCannotObserve(ILogger logger, string queue, string error);
}
