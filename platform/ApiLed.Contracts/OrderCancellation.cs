namespace ApiLed.Contracts;

/// <summary>Who asked to cancel an order, when and why.</summary>
public sealed record OrderCancellation(DateTimeOffset At, string By, string? Reason);
