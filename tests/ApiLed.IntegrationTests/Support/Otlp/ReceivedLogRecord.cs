namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>One log record as a service exported it over OTLP.</summary>
public sealed record ReceivedLogRecord(
    string Service,
    string Body,
    string Severity,
    string TraceId,
    string SpanId,
    IReadOnlyDictionary<string, string> Attributes)
{
    public string Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : "";
}
