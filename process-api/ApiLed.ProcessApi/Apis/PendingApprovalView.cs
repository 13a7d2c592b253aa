namespace ApiLed.ProcessApi.Apis;

/// <summary>An order waiting for a person's approval, as operators list it.</summary>
public sealed record PendingApprovalView(
    string OrderId, string Flow, string Step, string Group, bool Escalated, DateTimeOffset Deadline, string OnDeadline,
    string PartnerId, string CustomerId, long TotalCents, string Currency, DateTimeOffset AcceptedAt);
