using ApiLed.Contracts;

namespace ApiLed.ExperienceApi.Orders;

/// <summary>A partner's order.</summary>
/// <param name="CustomerId">The partner's own id for the customer.</param>
/// <param name="Lines">What to ship: SKUs from the catalogue and quantities (1 to 1000 each, at most 50 lines).</param>
/// <param name="PaymentReference">The customer's payment reference (a tokenised card or account).</param>
/// <param name="ShipTo">The delivery address.</param>
/// <param name="CallbackUrl">Optional http(s) URL that receives the outcome as a webhook (POST, JSON), signed with your partner secret in the ApiLed-Signature header and retried with backoff until it answers 2xx.</param>
public sealed record PlaceOrderRequest(
    string? CustomerId,
    List<OrderLineRequest?>? Lines,
    string? PaymentReference,
    ShipToRequest? ShipTo,
    string? CallbackUrl);

public sealed record OrderLineRequest(string? Sku, int? Quantity);

public sealed record ShipToRequest(string? Name, string? Line1, string? City, string? PostalCode, string? Country);

/// <summary>An order's status as a partner reads it.</summary>
/// <param name="OrderId">The order's id (also the last segment of its Location).</param>
/// <param name="Status">accepted, processing, awaiting-approval, completed, failed (fully compensated), cancelling, cancelled (fully compensated) or needs-attention (parked for a person).</param>
/// <param name="CustomerId">The partner's id for the customer.</param>
/// <param name="Lines">The lines with the unit prices quoted when the order was accepted.</param>
/// <param name="TotalCents">The order total in minor units (cents).</param>
/// <param name="Currency">ISO 4217 currency of the prices.</param>
/// <param name="AcceptedAt">When the order was accepted.</param>
/// <param name="UpdatedAt">When the status last changed.</param>
/// <param name="Steps">Each step of the fulfillment and its outcome.</param>
/// <param name="Failure">For a failed order: the step that failed and why.</param>
/// <param name="Compensated">The steps that were undone, in the order they were undone.</param>
/// <param name="Notifications">The outcome notifications recorded for the partner.</param>
public sealed record OrderStatusView(
    string OrderId,
    string Status,
    string CustomerId,
    IReadOnlyList<PricedOrderLine> Lines,
    long TotalCents,
    string Currency,
    DateTimeOffset AcceptedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<SagaStepView> Steps,
    OrderFailureView? Failure,
    IReadOnlyList<string> Compensated,
    IReadOnlyList<NotificationView> Notifications);

public sealed record OrderFailureView(string Step, string Reason);

/// <summary>An outcome notification for the partner and, when the order has a callback URL, its webhook delivery.</summary>
/// <param name="Event">order.completed, order.failed, order.cancelled or order.needs-attention.</param>
/// <param name="Status">recorded (the order has no callback URL), pending (an attempt is due), sending (an attempt is under way),
/// delivered (the callback URL answered 2xx) or failed (every attempt failed).</param>
/// <param name="Attempts">Webhook delivery attempts so far.</param>
/// <param name="CreatedAt">When the outcome was recorded.</param>
/// <param name="DeliveredAt">When the callback URL accepted it.</param>
/// <param name="LastError">What went wrong in the last failed attempt.</param>
public sealed record NotificationView(string Event, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, string? LastError);

/// <summary>Order statuses partners see.</summary>
public static class OrderStatuses
{
    public const string Accepted = "accepted";
    public const string Processing = "processing";

    /// <summary>The order waits for a person's approval (an approval step of its flow).</summary>
    public const string AwaitingApproval = "awaiting-approval";

    /// <summary>The partner asked to cancel the order: what was done is being undone; it ends <c>cancelled</c>.</summary>
    public const string Cancelling = "cancelling";

    public const string Completed = SagaStatuses.Completed;
    public const string Failed = SagaStatuses.Failed;
    public const string NeedsAttention = SagaStatuses.NeedsAttention;
    public const string Cancelled = SagaStatuses.Cancelled;

    public static string FromSaga(string sagaStatus) => sagaStatus switch
    {
        SagaStatuses.Running or SagaStatuses.Compensating => Processing,
        _ => sagaStatus,
    };

    /// <summary>
    /// The partner's status of an order from its saga: running with a step awaiting approval is <c>awaiting-approval</c>;
    /// compensating after a cancel is <c>cancelling</c>.
    /// </summary>
    public static string Of(SagaProgressEvent progress) => progress switch
    {
        { Status: SagaStatuses.Running } when progress.Steps.Any(s => s.Status == AwaitingApproval) => AwaitingApproval,
        { Status: SagaStatuses.Compensating, Cancellation: not null } => Cancelling,
        _ => FromSaga(progress.Status),
    };
}

/// <summary>Statuses of a partner notification.</summary>
public static class NotificationStatuses
{
    /// <summary>Recorded; the order has no callback URL, so nothing is sent.</summary>
    public const string Recorded = "recorded";

    /// <summary>Waiting for (another) webhook delivery attempt.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed by a delivery attempt in progress.</summary>
    public const string Sending = "sending";

    public const string Delivered = "delivered";

    /// <summary>Every delivery attempt failed; the partner can still read the outcome with GET.</summary>
    public const string Failed = "failed";
}
