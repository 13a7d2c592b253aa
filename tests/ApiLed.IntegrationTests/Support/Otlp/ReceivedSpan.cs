namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>One span as a service exported it over OTLP.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, string> Attributes,
    int StatusCode,
    string TraceState)
{
    public const int KindServer = 2;
    public const int KindClient = 3;
    public const int KindProducer = 4;
    public const int KindConsumer = 5;
    public const int StatusError = 2;

    public string Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : "";

    public override string ToString() => $"{Service}: {Name} [{Kind}] {SpanId}←{ParentSpanId} status {StatusCode}";
}
