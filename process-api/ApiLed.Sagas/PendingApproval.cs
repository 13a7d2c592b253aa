using System.Text.Json;

namespace ApiLed.Sagas;

/// <summary>An approval step's result while it waits: who decides, and whether it was escalated to them.</summary>
public sealed record PendingApproval(string Group, bool Escalated)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <summary>The pending approval a waiting step's result holds; null when it holds none.</summary>
    public static PendingApproval? From(StepState step) =>
        step is { Status: StepStatuses.AwaitingApproval, Result: { } json } ? JsonSerializer.Deserialize<PendingApproval>(json, JsonSerializerOptions.Web) : null;
}
