namespace ApiLed.ProcessApi.Apis;

/// <summary>What an unfinished saga waits for, since when: a timer, an approval, or (choreography) a participant or its outcome event.</summary>
public sealed record SagaWaiting(string? Step, string? System, string What, DateTimeOffset Since);
