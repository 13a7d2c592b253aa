namespace ApiLed.ExperienceApi.Cancellations;

/// <summary>A partner's cancel of an order (the body is optional).</summary>
/// <param name="Reason">Why, in the partner's words (at most 2000 characters); kept with the order's history.</param>
public sealed record CancelOrderRequest(string? Reason);
