namespace ApiLed.Sagas.Flows;

/// <summary>One branch of a parallel step: steps that call operations, in order.</summary>
public sealed record ParallelBranch
{
    public List<StepDefinition> Steps { get; init; } = [];
}
