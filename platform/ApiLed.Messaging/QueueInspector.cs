using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ApiLed.Messaging;

/// <summary>
/// Looks at queues by passive declares on a channel of its own, opened on first use and again after any failure; every
/// broker call bounded by <c>RabbitMq:OperationTimeout</c>. One owner at a time (not for concurrent use).
/// </summary>
public sealed class QueueInspector(RabbitMqConnectionProvider connections, IOptions<RabbitMqOptions> options) : IAsyncDisposable
{
    private IChannel? channel;

    /// <summary>The messages ready in <paramref name="queue"/> and its consumers; null when no one declared it. Other broker faults throw.</summary>
    public async Task<(uint Ready, uint Consumers)?> LookAsync(string queue, CancellationToken ct)
    {
        var limit = options.Value.OperationTimeout;
        try
        {
            if (channel is not { IsOpen: true })
            {
                _ = BoundedBrokerCall.DisposeQuietlyAsync(channel, limit);
                channel = null;
                var connection = await connections.GetAsync(ct);
                channel = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(cancellationToken: token), limit,
                    "opening a channel to look at queues", ct);
            }

            var open = channel;
            var seen = await BoundedBrokerCall.RunAsync(token => open.QueueDeclarePassiveAsync(queue, token), limit, $"looking at {queue}", ct);
            return (seen.MessageCount, seen.ConsumerCount);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && IsMissingQueue(ex))
        {
            channel = null; // the broker closed the channel with the 404
            return null;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _ = BoundedBrokerCall.DisposeQuietlyAsync(channel, limit);
            channel = null;
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await BoundedBrokerCall.DisposeQuietlyAsync(channel, options.Value.OperationTimeout);

    private static bool IsMissingQueue(Exception ex) =>
        ex.GetBaseException() is OperationInterruptedException { ShutdownReason.ReplyCode: 404 }
        || ex is OperationInterruptedException { ShutdownReason.ReplyCode: 404 };
}
