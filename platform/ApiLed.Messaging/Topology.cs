using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>A queue, the exchange bindings that feed it, and its dead-letter queue <c>{Name}.dead-letter</c>.</summary>
public sealed record QueueSpec(string Name, IReadOnlyList<QueueBinding> Bindings)
{
    public string DeadLetterQueue => Name + ".dead-letter";

    /// <summary>Bindings an earlier version declared and this one removes at start-up (unbinding one that is not there is harmless).</summary>
    public IReadOnlyList<QueueBinding> RetiredBindings { get; init; } = [];
}

public sealed record QueueBinding(string Exchange, string RoutingKey);

/// <summary>
/// Every exchange and queue name of the layer, declared by the code at start-up (durable, idempotent).
/// Queues are quorum queues with a delivery limit and a dead-letter exchange, so a poison message ends
/// on its own <c>.dead-letter</c> queue instead of looping or being dropped.
/// </summary>
public static class Topology
{
    /// <summary>Direct exchange for commands (routing key = command name).</summary>
    public const string CommandsExchange = "apiled.commands";

    /// <summary>Topic exchange for every event (routing keys like <c>order.completed</c>, <c>payment.refunded</c>).</summary>
    public const string EventsExchange = "apiled.events";

    /// <summary>Direct exchange receiving dead letters, routed by the name of the queue they died in.</summary>
    public const string DeadLetterExchange = "apiled.dead-letter";

    /// <summary>Fanout exchange for sagas a person must look at.</summary>
    public const string ParkingLotExchange = "apiled.parking-lot";

    public const string FulfillOrderRoutingKey = "order.fulfill";
    public const string ParkingLotQueue = "process.parking-lot";

    /// <summary>The experience API's read model of order statuses (declared there, with its bindings).</summary>
    public const string OrderStatusQueue = "experience.order-status";

    public static readonly QueueSpec OrderFulfillment =
        new("process.order-fulfillment", [new QueueBinding(CommandsExchange, FulfillOrderRoutingKey)]);

    public static async Task DeclareExchangesAsync(IChannel channel, CancellationToken ct)
    {
        await channel.ExchangeDeclareAsync(CommandsExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(EventsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(ParkingLotExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.QueueDeclareAsync(ParkingLotQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        await channel.QueueBindAsync(ParkingLotQueue, ParkingLotExchange, "", cancellationToken: ct);
    }

    public static async Task DeclareQueueAsync(IChannel channel, QueueSpec spec, int deliveryLimit, CancellationToken ct)
    {
        await channel.QueueDeclareAsync(spec.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        await channel.QueueBindAsync(spec.DeadLetterQueue, DeadLetterExchange, spec.Name, cancellationToken: ct);

        await channel.QueueDeclareAsync(spec.Name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-delivery-limit"] = deliveryLimit,
                ["x-dead-letter-exchange"] = DeadLetterExchange,
                ["x-dead-letter-routing-key"] = spec.Name,
            }, cancellationToken: ct);
        foreach (var binding in spec.Bindings)
        {
            await channel.QueueBindAsync(spec.Name, binding.Exchange, binding.RoutingKey, cancellationToken: ct);
        }

        foreach (var retired in spec.RetiredBindings)
        {
            await channel.QueueUnbindAsync(spec.Name, retired.Exchange, retired.RoutingKey, cancellationToken: ct);
        }
    }
}
