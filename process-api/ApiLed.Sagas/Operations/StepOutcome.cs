namespace ApiLed.Sagas.Operations;

/// <summary>What one call to a system operation came to.</summary>
public abstract record StepOutcome
{
    /// <summary>Done; <see cref="Detail"/> is the system's answer, kept on the step.</summary>
    public sealed record Succeeded(string? Detail) : StepOutcome;

    /// <summary>A definitive business "no" (4xx): nothing happened, nothing to undo, no point retrying.</summary>
    public sealed record Rejected(int StatusCode, string Reason) : StepOutcome;

    /// <summary>
    /// A transient fault or an unknown result (timeout, 5xx, no connection): retried, then compensated.
    /// <see cref="Unavailable"/> when the system could not be reached or refused service (no connection, its circuit
    /// open, 503): the step waits for it up to the patience instead of spending its attempts.
    /// </summary>
    /// <see cref="NotSent"/> when no call of the step can have reached the system (its circuit open, or the system not
    /// configured): nothing happened, so there is nothing to undo.
    public sealed record Faulted(string Reason, bool Unavailable = false, bool NotSent = false) : StepOutcome;
}
