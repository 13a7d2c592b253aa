namespace ApiLed.Gateway.Console;

/// <summary>The operator console's settings (section <c>Console</c>).</summary>
public sealed record OperatorConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// Where a timeline's trace id links to, with <c>{traceId}</c> in it (e.g. Jaeger's
    /// <c>http://127.0.0.1:16686/trace/{traceId}</c>); empty: the trace id is shown, not linked.
    /// </summary>
    public string TraceViewerUrl { get; init; } = "";
}
