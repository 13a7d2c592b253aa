namespace ApiLed.ProcessApi.Flows;

/// <summary>The flows an integration architect configures (section <c>Flows</c>, usually in the flows file).</summary>
public sealed record FlowsOptions
{
    public const string Section = "Flows";

    /// <summary>The setting that names the flows file (a JSON file with a <c>Flows</c> section).</summary>
    public const string FileSetting = "FlowsFile";

    /// <summary>The flow new orders run.</summary>
    public string OrderFlow { get; init; } = "order-fulfillment";

    public Dictionary<string, ConfiguredFlow> Definitions { get; init; } = new(StringComparer.Ordinal);
}
