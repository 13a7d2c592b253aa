namespace ApiLed.ProcessApi.Apis;

/// <summary>A cancel of an order: who asks (<c>partner:{id}</c> from the experience API, or an operator) and, optionally, why.</summary>
public sealed record SagaCancelRequest(string? By, string? Reason);
