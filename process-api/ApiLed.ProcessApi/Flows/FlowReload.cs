namespace ApiLed.ProcessApi.Flows;

/// <summary>The outcome of loading the flow configuration.</summary>
public sealed record FlowReload(DateTimeOffset At, bool Applied, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);
