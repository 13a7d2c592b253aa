namespace ApiLed.Contracts;

/// <summary>One line of an order as a partner sends it: a SKU and a quantity.</summary>
public sealed record OrderLine(string Sku, int Quantity);

/// <summary>An order line with the unit price the experience API quoted when it accepted the order.</summary>
public sealed record PricedOrderLine(string Sku, int Quantity, long UnitPriceCents);

/// <summary>Where a shipment goes.</summary>
public sealed record ShippingAddress(string Name, string Line1, string City, string PostalCode, string Country);

/// <summary>
/// The command the experience API queues for the process API once it has durably accepted an order
/// (message type <see cref="MessageTypes.FulfillOrderV1"/>).
/// </summary>
public sealed record FulfillOrderCommand(
    string OrderId,
    string PartnerId,
    string CustomerId,
    IReadOnlyList<PricedOrderLine> Lines,
    long TotalCents,
    string Currency,
    string PaymentReference,
    ShippingAddress ShipTo,
    DateTimeOffset AcceptedAt);

/// <summary>
/// The data of every saga event (step events and outcomes): a full snapshot of the saga, so a
/// subscriber can build its view from any one event and ignore older ones by <see cref="Version"/>.
/// </summary>
public sealed record SagaProgressEvent(
    string OrderId,
    string Flow,
    string Mode,
    string Status,
    int Version,
    string? FailedStep,
    string? FailureReason,
    IReadOnlyList<SagaStepView> Steps,
    DateTimeOffset At)
{
    /// <summary>Set once the partner (or an operator) asked to cancel the order: it then ends <c>cancelled</c>.</summary>
    public OrderCancellation? Cancellation { get; init; }
}

/// <summary>One step of a saga as subscribers and status views see it.</summary>
public sealed record SagaStepView(string Name, string Status, int Attempts, string? Error);

/// <summary>Saga and order statuses as they appear on the wire.</summary>
public static class SagaStatuses
{
    public const string Running = "running";
    public const string Compensating = "compensating";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string NeedsAttention = "needs-attention";

    /// <summary>Cancelled by the partner before it was done: every step that took effect was undone.</summary>
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or NeedsAttention or Cancelled;
}

/// <summary>Versioned message types (CloudEvents <c>type</c>).</summary>
public static class MessageTypes
{
    public const string FulfillOrderV1 = "apiled.order.fulfill.v1";

    /// <summary>The type of a saga event published under routing key <paramref name="eventName"/>.</summary>
    public static string SagaEvent(string eventName) => $"apiled.{eventName}.v2";

    /// <summary>The event name of a saga event's type (<c>apiled.order.completed.v2</c> → <c>order.completed</c>), whatever queue it came through.</summary>
    public static string EventNameOf(string sagaEventType) =>
        sagaEventType.Length > "apiled.".Length + ".v2".Length ? sagaEventType["apiled.".Length..^".v2".Length] : sagaEventType;

    /// <summary>Is <paramref name="type"/> a saga event this version reads (v2, and v1 from before the routing slip)?</summary>
    public static bool IsSagaEvent(string type) =>
        type.StartsWith("apiled.", StringComparison.Ordinal) && type != FulfillOrderV1
        && (type.EndsWith(".v2", StringComparison.Ordinal) || type.EndsWith(".v1", StringComparison.Ordinal));
}
