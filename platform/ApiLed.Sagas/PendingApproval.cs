namespace ApiLed.Sagas;

/// <summary>An approval step's result while it waits: who decides, and whether it was escalated to them.</summary>
public sealed record PendingApproval(string Group, bool Escalated);
