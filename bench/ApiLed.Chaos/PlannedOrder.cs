using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>One order of the mix: what is sent, under which Idempotency-Key, and whether (and when) it is sent again.</summary>
/// <param name="ReplayAfter">Send the same request again (same key, same body) this long after the first send; null: never.</param>
internal sealed record PlannedOrder(int Index, OrderKind Kind, string IdempotencyKey, string BodyJson, IReadOnlyList<OrderLine> Lines, TimeSpan? ReplayAfter)
{
    /// <summary>For a <see cref="OrderKind.Large"/> order: what the tool's operator decides on its approval.</summary>
    public ApprovalPlan Approval { get; init; }
}
