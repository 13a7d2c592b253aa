namespace ApiLed.Sagas;

/// <summary>Why an order can no longer be cancelled: a problem type (<c>cancel-too-late</c>, <c>order-not-cancellable</c>) and its detail.</summary>
public sealed record CancelRefusal(string Type, string Detail);
