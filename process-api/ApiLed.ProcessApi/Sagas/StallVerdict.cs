namespace ApiLed.ProcessApi.Sagas;

/// <summary>What stall detection concluded about one choreographed saga.</summary>
public abstract record StallVerdict
{
    /// <summary>Not stalled: the saga waits for <see cref="What"/> (its step and system, if any).</summary>
    public sealed record Waiting(string? Step, string? System, string What) : StallVerdict;

    /// <summary>Stalled waiting for <see cref="Step"/> (null: for its outcome), for <see cref="Reason"/>.</summary>
    public sealed record Stalled(string? Step, string Reason) : StallVerdict;
}
