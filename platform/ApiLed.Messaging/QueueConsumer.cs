using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ApiLed.Messaging;

/// <summary>
/// Consumes one queue with manual acknowledgements and bounded prefetch. The queue (with its dead-letter queue)
/// is declared at start-up; the consumer reconnects after the broker went away. Every broker call (channel open,
/// declares, consume, acknowledgements, close) is bounded by <c>RabbitMq:OperationTimeout</c>. A handler
/// exception returns the message to the queue after a short pause; a message that cannot be read is
/// dead-lettered, never dropped. Its state (consuming, or reconnecting and why; deliveries in hand) is reported
/// to readiness through <see cref="BrokerClients"/>.
/// </summary>
public sealed partial class QueueConsumer<THandler> : BackgroundService
    where THandler : IMessageHandler
{
    private readonly QueueSpec queue;
    private readonly THandler handler;
    private readonly RabbitMqConnectionProvider connections;
    private readonly MessagingTopologyRegistry topology;
    private readonly RabbitMqOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly BrokerClientStatus status;

    public QueueConsumer(QueueSpec queue, THandler handler, RabbitMqConnectionProvider connections, MessagingTopologyRegistry topology,
        BrokerClients clients, IOptions<RabbitMqOptions> options, TimeProvider time, ILogger<QueueConsumer<THandler>> logger)
    {
        this.queue = queue;
        this.handler = handler;
        this.connections = connections;
        this.topology = topology;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        status = clients.Register("consumer of " + queue.Name);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BrokerSession.RunAsync(
        async (connected, ct) =>
        {
            var limit = options.OperationTimeout;
            var connection = await connections.GetAsync(ct);
            var channel = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(
                new CreateChannelOptions(false, false, consumerDispatchConcurrency: options.Prefetch), token), limit, $"opening a channel for {queue.Name}", ct);
            try
            {
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, _) =>
                {
                    closed.TrySetResult();
                    return Task.CompletedTask;
                };
                await BoundedBrokerCall.RunAsync(async token =>
                {
                    await topology.DeclareAsync(channel, token);
                    await Topology.DeclareQueueAsync(channel, queue, options.DeliveryLimit, token);
                    await channel.BasicQosAsync(0, options.Prefetch, false, token);
                    var consumer = new AsyncEventingBasicConsumer(channel);
                    consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery, ct);
                    await channel.BasicConsumeAsync(queue.Name, autoAck: false, consumer, token);
                }, limit, $"starting to consume {queue.Name}", ct);
                LogConsuming(logger, queue.Name, options.Prefetch);
                status.Working();
                connected();

                await WatchUntilClosedAsync(closed.Task, ct);
                status.Failing("the channel closed", time.GetUtcNow());
                LogChannelClosed(logger, queue.Name);
            }
            finally
            {
                _ = BoundedBrokerCall.DisposeQuietlyAsync(channel, limit);
            }
        },
        (error, delay) =>
        {
            status.Failing(error.Message, time.GetUtcNow());
            LogCannotConsume(logger, queue.Name, error.Message, delay);
            return Task.CompletedTask;
        },
        options.MaxReconnectDelay, stoppingToken);

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        var properties = delivery.BasicProperties;
        var correlationId = MessageEnvelope.Header(properties, MessageEnvelope.CorrelationId) ?? properties.CorrelationId ?? CorrelationContext.NewId();
        var message = new IncomingMessage(
            properties.MessageId ?? MessageEnvelope.Header(properties, MessageEnvelope.Id) ?? "",
            MessageEnvelope.Header(properties, MessageEnvelope.Type) ?? properties.Type ?? "",
            delivery.RoutingKey,
            correlationId,
            delivery.Body.ToArray(),
            delivery.Redelivered,
            properties.Headers is not null && properties.Headers.TryGetValue("x-delivery-count", out var count) && count is long n ? n : 0)
        {
            Headers = properties.Headers,
        };

        using var activity = MessagingSpans.StartProcess(queue.Name, delivery.Exchange, message,
            MessageEnvelope.Header(properties, MessageEnvelope.TraceParent), MessageEnvelope.Header(properties, MessageEnvelope.TraceState));
        using var scope = CorrelationContext.Enter(logger, correlationId);
        using var handling = status.StartHandling(message.MessageId, time.GetUtcNow());

        var disposition = await HandleAsync(message, stoppingToken);
        if (disposition is null)
        {
            return; // Stopping: unacknowledged, so the broker redelivers it when the channel closes.
        }

        MessagingSpans.Settled(activity, disposition.Value);
        try
        {
            if (disposition == MessageDisposition.Retry)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * (message.DeliveryCount + 1))), time, stoppingToken);
            }

            await BoundedBrokerCall.RunAsync(token => disposition switch
            {
                MessageDisposition.Ack => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, token).AsTask(),
                MessageDisposition.Retry => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, token).AsTask(),
                _ => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, token).AsTask(),
            }, options.OperationTimeout, $"settling message {message.MessageId}", CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogCannotSettle(logger, message.MessageId, queue.Name, ex.Message);
        }
    }

    /// <summary>Waits for the channel to close, logging any delivery handled for longer than <c>RabbitMq:StuckAfter</c>.</summary>
    private async Task WatchUntilClosedAsync(Task closed, CancellationToken ct)
    {
        var interval = options.StuckAfter / 4;
        while (!closed.IsCompleted)
        {
            try
            {
                await closed.WaitAsync(interval, time, ct);
            }
            catch (TimeoutException)
            {
                if (status.OldestHandling is { } oldest && time.GetUtcNow() - oldest.Since > options.StuckAfter)
                {
                    LogStuck(logger, oldest.MessageId, queue.Name, options.StuckAfter);
                }
            }
        }
    }

    /// <summary>The handler's decision; null when the service is stopping and the message is left to the broker.</summary>
    private async Task<MessageDisposition?> HandleAsync(IncomingMessage message, CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(message.MessageId))
        {
            LogNoMessageId(logger, queue.Name);
            return MessageDisposition.DeadLetter;
        }

        try
        {
            return await handler.HandleAsync(message, stoppingToken);
        }
        catch (JsonException ex)
        {
            LogMalformed(logger, message.MessageId, message.Type, queue.Name, ex.Message);
            return MessageDisposition.DeadLetter;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            LogHandlerFailed(logger, ex, message.MessageId, message.Type, queue.Name);
            return MessageDisposition.Retry;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} (prefetch {Prefetch})")]
    private static partial void LogConsuming(ILogger logger, string queue, ushort prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel for {Queue} closed; reconnecting")]
    private static partial void LogChannelClosed(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer of {Queue} cannot run ({Error}); retrying in {Delay}")]
    private static partial void LogCannotConsume(ILogger logger, string queue, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle message {MessageId} on {Queue} ({Error}); the broker will redeliver it")]
    private static partial void LogCannotSettle(ILogger logger, string messageId, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message without a message id on {Queue}; dead-lettering it")]
    private static partial void LogNoMessageId(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} is still being handled after {Limit}; the service reports itself not ready")]
    private static partial void LogStuck(ILogger logger, string messageId, string queue, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} ({Type}) on {Queue} is malformed: {Error}; dead-lettering it")]
    private static partial void LogMalformed(ILogger logger, string messageId, string type, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling message {MessageId} ({Type}) on {Queue} failed; it goes back to the queue")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string messageId, string type, string queue);
}
