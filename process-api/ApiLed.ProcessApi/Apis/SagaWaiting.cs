namespace ApiLed.ProcessApi.Apis;

/// <summary>What an unfinished choreographed saga waits for (a system's participant to run or undo a step, or its outcome event), since when.</summary>
public sealed record SagaWaiting(string? Step, string? System, string What, DateTimeOffset Since);
