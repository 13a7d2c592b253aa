namespace ApiLed.Risk.Api.Apis;

/// <summary>A screening: its decision (<c>allow</c> or <c>deny</c>), why, and whether it still stands (<c>voided</c> once undone).</summary>
public sealed record ScreeningResponse(string OrderId, string ScreeningId, string Decision, string Reason, string Status, DateTimeOffset UpdatedAt);
