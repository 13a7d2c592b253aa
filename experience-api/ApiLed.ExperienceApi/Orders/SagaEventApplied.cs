namespace ApiLed.ExperienceApi.Orders;

/// <summary>What a saga event did to the read model.</summary>
/// <param name="OrderHeld">This experience API holds the order.</param>
/// <param name="StatusUpdated">The event was newer than the status held, which it replaced.</param>
/// <param name="Notified">Its partner notification was recorded now (false when there is none, or it was recorded before).</param>
public sealed record SagaEventApplied(bool OrderHeld, bool StatusUpdated, bool Notified);
