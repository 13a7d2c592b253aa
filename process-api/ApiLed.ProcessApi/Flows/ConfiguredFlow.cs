using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Flows;

/// <summary>A flow as configured: its definition plus what the advisor needs to know about it.</summary>
public sealed record ConfiguredFlow
{
    public string Mode { get; init; } = FlowModes.Hybrid;

    public List<StepDefinition> Steps { get; init; } = [];

    public FlowCharacteristics Characteristics { get; init; } = new();

    public FlowDefinition ToDefinition() => new() { Mode = Mode, Steps = Steps };
}
