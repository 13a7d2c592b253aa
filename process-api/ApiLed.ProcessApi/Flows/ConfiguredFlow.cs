using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Flows;

/// <summary>A flow as configured: its definition plus what the advisor needs to know about it.</summary>
public sealed record ConfiguredFlow
{
    public string Mode { get; init; } = FlowModes.Hybrid;

    public List<StepDefinition> Steps { get; init; } = [];

    /// <summary>Partners may cancel an order until this step has started; unset, until the order is done.</summary>
    public string? CancelUntil { get; init; }

    public FlowCharacteristics Characteristics { get; init; } = new();

    /// <summary>
    /// The definition a new saga keeps: choices laid out in line (<see cref="FlattenedStep"/>), each step's compensation is its operation's <c>Undo</c> unless the step names
    /// one, and the operations the steps and compensations call are copied in (pinned) from <paramref name="flows"/>.
    /// </summary>
    public FlowDefinition ToDefinition(FlowsOptions flows)
    {
        var steps = FlattenedStep.Of(Steps).Select(f => f.Step).Select(step => step.Compensation is not null
            ? step
            : step with
            {
                Compensation = flows.Operation(step.Operation)?.Undo is { Length: > 0 } undo
                    ? OperationNames.Qualify(OperationNames.SystemOf(step.Operation)!, undo)
                    : null,
            }).ToList();
        var operations = new Dictionary<string, OperationDefinition>(StringComparer.Ordinal);
        foreach (var name in steps.SelectMany(s => new[] { s.Operation, s.Compensation }))
        {
            if (name is { Length: > 0 } && flows.Operation(name) is { } operation)
            {
                operations[name] = operation;
            }
        }

        return new FlowDefinition { Mode = Mode, Steps = steps, CancelUntil = CancelUntil, Operations = operations };
    }
}
