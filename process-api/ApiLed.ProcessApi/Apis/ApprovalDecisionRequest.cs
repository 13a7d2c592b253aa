namespace ApiLed.ProcessApi.Apis;

/// <summary>An operator's decision on an approval: who decides, and why.</summary>
public sealed record ApprovalDecisionRequest(string? By, string? Reason);
