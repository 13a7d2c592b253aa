using System.Text.Json;

namespace ApiLed.Sagas;

/// <summary>An approval step's result once decided: the decision, who made it (a person, or "the deadline"), why and when.</summary>
public sealed record ApprovalDecision(string Decision, string By, string Reason, DateTimeOffset At)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}
