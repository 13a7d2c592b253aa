namespace ApiLed.Contracts;

/// <summary>
/// The saga's own events (routing keys on <c>apiled.events</c>), published in every mode: a saga started, and its
/// outcomes. Steps emit events of their own in hybrid and choreography; these names are reserved for the saga.
/// </summary>
public static class OrderEvents
{
    public const string Processing = "order.processing";
    public const string Completed = "order.completed";
    public const string Failed = "order.failed";
    public const string NeedsAttention = "order.needs-attention";

    /// <summary>The order waits for a person's approval (the partner sees the status <c>awaiting-approval</c>).</summary>
    public const string AwaitingApproval = "order.awaiting-approval";

    /// <summary>A person (or the deadline) approved or rejected the order.</summary>
    public const string ApprovalDecided = "order.approval-decided";

    /// <summary>A callback step's operation was accepted: the order waits for the external system's callback.</summary>
    public const string AwaitingCallback = "order.awaiting-callback";

    /// <summary>The partner asked to cancel the order: what was done is being undone (the partner sees <c>cancelling</c>).</summary>
    public const string Cancelling = "order.cancelling";

    /// <summary>The order was cancelled: every step that took effect was undone.</summary>
    public const string Cancelled = "order.cancelled";
}
