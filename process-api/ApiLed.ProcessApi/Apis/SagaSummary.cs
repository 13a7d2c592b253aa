namespace ApiLed.ProcessApi.Apis;

/// <summary>A line of the saga list.</summary>
public sealed record SagaSummary(string OrderId, string Flow, string Status, string? FailureReason, DateTimeOffset UpdatedAt);
