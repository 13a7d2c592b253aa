using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ExperienceApi.Orders;
using ApiLed.ExperienceApi.Webhooks;
using ApiLed.Messaging;

namespace ApiLed.ExperienceApi.Events;

/// <summary>
/// Keeps the order status read model up to date from the saga's own events, and records the partner notification of
/// every outcome in the same transaction (an order with a callback URL then gets it as a signed webhook from the
/// <see cref="WebhookDispatcher"/>). Its queue, <c>experience.order-status</c>, is bound to <c>order.processing</c>,
/// <c>order.awaiting-approval</c>, <c>order.approval-decided</c>, <c>order.cancelling</c>, <c>order.completed</c>, <c>order.failed</c>,
/// <c>order.cancelled</c> and <c>order.needs-attention</c>: the events every mode publishes, so
/// partners see the same statuses whatever the mode, and the step events of hybrid and choreography cost no delivery
/// here. Every event carries the saga's whole snapshot (an outcome with every step as it ended) and a version, so
/// repeats and out-of-order deliveries are harmless. Event types it does not know are acknowledged and ignored.
/// </summary>
public sealed class OrderStatusProjection(OrderStore orders, TimeProvider time, ILogger<OrderStatusProjection> logger) : IMessageHandler
{
    private static readonly QueueBinding[] Outcomes =
    [
        new(Topology.EventsExchange, OrderEvents.Completed),
        new(Topology.EventsExchange, OrderEvents.Failed),
        new(Topology.EventsExchange, OrderEvents.NeedsAttention),
        new(Topology.EventsExchange, OrderEvents.Cancelled),
    ];

    public static readonly QueueSpec Queue = new(Topology.OrderStatusQueue,
        [new(Topology.EventsExchange, OrderEvents.Processing), new(Topology.EventsExchange, OrderEvents.AwaitingApproval),
            new(Topology.EventsExchange, OrderEvents.ApprovalDecided), new(Topology.EventsExchange, OrderEvents.Cancelling), .. Outcomes])
    {
        RetiredBindings = [new QueueBinding(Topology.EventsExchange, "#")], // before: every step event too, in hybrid and choreography
    };

    /// <summary>
    /// The queue an earlier version recorded notifications from: no longer bound, still consumed by this projection
    /// so that outcomes it held at the upgrade are told (each notification is recorded once per message id).
    /// </summary>
    public static readonly QueueSpec RetiredNotificationsQueue = new("experience.partner-notifications", []) { RetiredBindings = Outcomes };

    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!MessageTypes.IsSagaEvent(message.Type))
        {
            logger.LogDebug("Ignoring event {MessageId} of type {Type}", message.MessageId, message.Type);
            return MessageDisposition.Ack;
        }

        var progress = message.Deserialize<SagaProgressEvent>();
        var eventName = MessageTypes.EventNameOf(message.Type); // not the routing key: the drained queue may hold it under another
        var notification = eventName is OrderEvents.Completed or OrderEvents.Failed or OrderEvents.NeedsAttention or OrderEvents.Cancelled
            ? new PartnerNotification(message.MessageId, eventName,
                JsonSerializer.Serialize(WebhookEvent.From(message.MessageId, eventName, progress), JsonSerializerOptions.Web),
                message.CorrelationId, time.GetUtcNow())
            : null;
        var applied = await orders.ApplySagaEventAsync(progress, notification, ct);
        if (!applied.OrderHeld)
        {
            logger.LogWarning("Event {MessageId} is about order {OrderId}, which this experience API does not hold", message.MessageId, progress.OrderId);
        }
        else if (notification is not null && !applied.Notified)
        {
            logger.LogInformation("Notification {MessageId} for order {OrderId} was recorded already", message.MessageId, progress.OrderId);
        }

        return MessageDisposition.Ack;
    }
}
