namespace ApiLed.Sagas.Flows;

/// <summary>
/// Steps run side by side, then joined (MuleSoft's scatter-gather): each branch runs its steps in order, the branches at
/// the same time; the flow goes on once every branch is done. If one fails, the steps of its siblings that took effect are
/// compensated with the rest. In choreography the branches run one after another (a routing slip has one holder at a time):
/// the outcome is the same.
/// </summary>
public sealed record ParallelDefinition
{
    public List<ParallelBranch> Branches { get; init; } = [];
}
