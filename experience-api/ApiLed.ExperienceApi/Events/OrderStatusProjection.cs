using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ExperienceApi.Orders;
using ApiLed.ExperienceApi.Webhooks;
using ApiLed.Messaging;

namespace ApiLed.ExperienceApi.Events;

/// <summary>
/// Keeps the order status read model up to date from every saga event on the events exchange (its own queue,
/// <c>experience.order-status</c>, bound to <c>#</c>). Events carry a full snapshot and a version, so repeats and
/// out-of-order deliveries are harmless. Event types it does not know are acknowledged and ignored.
/// </summary>
public sealed class OrderStatusProjection(OrderStore orders, ILogger<OrderStatusProjection> logger) : IMessageHandler
{
    public static readonly QueueSpec Queue = new("experience.order-status", [new QueueBinding(Topology.EventsExchange, "#")]);

    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!MessageTypes.IsSagaEvent(message.Type))
        {
            logger.LogDebug("Ignoring event {MessageId} of type {Type}", message.MessageId, message.Type);
            return MessageDisposition.Ack;
        }

        var progress = message.Deserialize<SagaProgressEvent>();
        if (!await orders.ApplySagaEventAsync(progress, ct) && !await orders.ExistsAsync(progress.OrderId, ct))
        {
            logger.LogWarning("Event {MessageId} is about order {OrderId}, which this experience API does not hold", message.MessageId, progress.OrderId);
        }

        return MessageDisposition.Ack;
    }
}

/// <summary>
/// Records the partner notification of every order outcome (its own queue, <c>experience.partner-notifications</c>,
/// bound to <c>order.completed</c>, <c>order.failed</c> and <c>order.needs-attention</c>); an order with a callback URL
/// gets the notification delivered as a signed webhook by the <see cref="WebhookDispatcher"/>.
/// </summary>
public sealed class PartnerNotificationSubscriber(OrderStore orders, TimeProvider time, ILogger<PartnerNotificationSubscriber> logger) : IMessageHandler
{
    public static readonly QueueSpec Queue = new("experience.partner-notifications",
    [
        new QueueBinding(Topology.EventsExchange, "order.completed"),
        new QueueBinding(Topology.EventsExchange, "order.failed"),
        new QueueBinding(Topology.EventsExchange, "order.needs-attention"),
    ]);

    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!MessageTypes.IsSagaEvent(message.Type))
        {
            return MessageDisposition.Ack;
        }

        var progress = message.Deserialize<SagaProgressEvent>();
        var body = JsonSerializer.Serialize(WebhookEvent.From(message.MessageId, message.RoutingKey, progress), JsonSerializerOptions.Web);
        if (!await orders.RecordNotificationAsync(message.MessageId, message.RoutingKey, progress.OrderId, body, message.CorrelationId,
                time.GetUtcNow(), ct))
        {
            logger.LogInformation("Notification {MessageId} for order {OrderId} was recorded already, or the order is not held here",
                message.MessageId, progress.OrderId);
        }

        return MessageDisposition.Ack;
    }
}

