namespace ApiLed.Sagas.Flows;

/// <summary>
/// A callback from an external system (like Step Functions' <c>.waitForTaskToken</c>): the step's operation hands the
/// external system a token (<c>${callback.token}</c> in its path or body); once it answers 2xx the step waits, durably,
/// until the system calls back with <c>POST /api/v1/callbacks/{token}/succeed</c> (its body becomes the step's result)
/// or <c>/fail</c>, or until <see cref="Deadline"/>, when the step counts as faulted and the order is compensated.
/// </summary>
public sealed record CallbackDefinition
{
    /// <summary>How long the step waits for the callback after its operation was accepted.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(1);
}
