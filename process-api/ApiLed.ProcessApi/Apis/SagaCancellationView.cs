using ApiLed.Contracts;

namespace ApiLed.ProcessApi.Apis;

/// <summary>A cancel taken: the order's status (<c>cancelling</c> while what was done is undone, then <c>cancelled</c>) at saga version <paramref name="Version"/>.</summary>
public sealed record SagaCancellationView(string OrderId, string Status, int Version, OrderCancellation Cancellation);
