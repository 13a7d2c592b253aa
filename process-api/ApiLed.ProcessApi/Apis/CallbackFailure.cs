namespace ApiLed.ProcessApi.Apis;

/// <summary>An external system's failure callback: why it failed.</summary>
public sealed record CallbackFailure(string? Reason);
