using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Flows;

/// <summary>The flows an integration architect configures (section <c>Flows</c>, usually in the flows file).</summary>
public sealed record FlowsOptions
{
    public const string Section = "Flows";

    /// <summary>The setting that names the flows file (a JSON file with a <c>Flows</c> section).</summary>
    public const string FileSetting = "FlowsFile";

    /// <summary>The flow new orders run.</summary>
    public string OrderFlow { get; init; } = "order-fulfillment";

    /// <summary>The systems flows call and the operations each offers.</summary>
    public Dictionary<string, SystemDefinition> Systems { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, ConfiguredFlow> Definitions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The operation <paramref name="qualified"/> (<c>billing.charge</c>) as declared, if it is.</summary>
    public OperationDefinition? Operation(string? qualified) =>
        OperationNames.SystemOf(qualified) is { } system && Systems.TryGetValue(system, out var declared)
        && declared.Operations.TryGetValue(OperationNames.OperationOf(qualified!), out var operation)
            ? operation
            : null;
}
