namespace ApiLed.ProcessApi.Sagas;

/// <summary>A callback that came before its step was seen waiting: how it ended, its detail (the result, or why it failed), when.</summary>
public sealed record EarlyCallback(bool Succeeded, string? Detail, DateTimeOffset At);
