using System.Diagnostics;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ApiLed.Messaging;

/// <summary>What a handler decided about a message.</summary>
public enum MessageDisposition
{
    /// <summary>Done (or a repeat of one already done): acknowledge.</summary>
    Ack,

    /// <summary>A passing fault: return it to the queue; past the delivery limit the broker dead-letters it.</summary>
    Retry,

    /// <summary>It can never be handled (malformed, unknown type): straight to the dead-letter queue.</summary>
    DeadLetter,
}

/// <summary>Handles the messages of one queue.</summary>
public interface IMessageHandler
{
    Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct);
}

/// <summary>
/// Consumes one queue with manual acknowledgements and bounded prefetch. The queue (with its dead-letter queue)
/// is declared at start-up; the consumer reconnects after the broker went away. A handler exception returns the
/// message to the queue after a short pause; a message that cannot be read is dead-lettered, never dropped.
/// </summary>
public sealed class QueueConsumer<THandler>(
    QueueSpec queue,
    THandler handler,
    RabbitMqConnectionProvider connections,
    MessagingTopologyRegistry topology,
    IOptions<RabbitMqOptions> options,
    ILogger<QueueConsumer<THandler>> logger) : BackgroundService
    where THandler : IMessageHandler
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BrokerSession.RunAsync(
        async (connected, ct) =>
        {
            var connection = await connections.GetAsync(ct);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(false, false, consumerDispatchConcurrency: options.Value.Prefetch), ct);
            await topology.DeclareAsync(channel, ct);
            await Topology.DeclareQueueAsync(channel, queue, options.Value.DeliveryLimit, ct);
            await channel.BasicQosAsync(0, options.Value.Prefetch, false, ct);

            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            channel.ChannelShutdownAsync += (_, _) =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery, ct);
            await channel.BasicConsumeAsync(queue.Name, autoAck: false, consumer, ct);
            logger.LogInformation("Consuming {Queue} (prefetch {Prefetch})", queue.Name, options.Value.Prefetch);
            connected();

            await closed.Task.WaitAsync(ct);
            logger.LogWarning("Channel for {Queue} closed; reconnecting", queue.Name);
        },
        (error, delay) =>
        {
            logger.LogWarning("Consumer of {Queue} cannot run ({Error}); retrying in {Delay}", queue.Name, error.Message, delay);
            return Task.CompletedTask;
        },
        options.Value.MaxReconnectDelay, stoppingToken);

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
            properties.Headers is not null && properties.Headers.TryGetValue("x-delivery-count", out var count) && count is long n ? n : 0);

        using var activity = ApiLedTelemetry.Source.StartActivity($"consume {queue.Name}", ActivityKind.Consumer,
            MessageEnvelope.ParentFrom(MessageEnvelope.Header(properties, MessageEnvelope.TraceParent)));
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", queue.Name);
        activity?.SetTag("messaging.message.id", message.MessageId);
        using var scope = CorrelationContext.Enter(logger, correlationId);

        MessageDisposition disposition;
        if (string.IsNullOrEmpty(message.MessageId))
        {
            logger.LogError("Message without a message id on {Queue}; dead-lettering it", queue.Name);
            disposition = MessageDisposition.DeadLetter;
        }
        else
        {
            try
            {
                disposition = await handler.HandleAsync(message, stoppingToken);
            }
            catch (JsonException ex)
            {
                logger.LogError("Message {MessageId} ({Type}) on {Queue} is malformed: {Error}; dead-lettering it",
                    message.MessageId, message.Type, queue.Name, ex.Message);
                disposition = MessageDisposition.DeadLetter;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // Unacknowledged: the broker redelivers it when the channel closes.
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Handling message {MessageId} ({Type}) on {Queue} failed; it goes back to the queue",
                    message.MessageId, message.Type, queue.Name);
                disposition = MessageDisposition.Retry;
            }
        }

        activity?.SetTag("apiled.disposition", disposition.ToString());
        try
        {
            switch (disposition)
            {
                case MessageDisposition.Ack:
                    await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                    break;
                case MessageDisposition.Retry:
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * (message.DeliveryCount + 1))), stoppingToken);
                    await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                    break;
                default:
                    await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
                    break;
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not settle message {MessageId} on {Queue} ({Error}); the broker will redeliver it",
                message.MessageId, queue.Name, ex.Message);
        }
    }
}
