using System.Diagnostics;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// CloudEvents binary-mode attributes carried as AMQP headers (<c>ce-id</c>, <c>ce-source</c>, <c>ce-type</c>,
/// <c>ce-time</c>), with the correlation id and the W3C trace context (<c>traceparent</c>, <c>tracestate</c>); delivery is
/// always persistent.
/// </summary>
public static class MessageEnvelope
{
    public const string SpecVersion = "ce-specversion";
    public const string Id = "ce-id";
    public const string Source = "ce-source";
    public const string Type = "ce-type";
    public const string Time = "ce-time";
    public const string CorrelationId = "x-correlation-id";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>RabbitMQ's sender-selected distribution header: more routing keys, removed before delivery.</summary>
    public const string Bcc = "BCC";

    public static BasicProperties CreateProperties(string messageId, string type, string source, DateTimeOffset time,
        string? correlationId, string? traceParent, string? traceState = null, IReadOnlyList<string>? alsoRoutedTo = null,
        IReadOnlyDictionary<string, string>? moreHeaders = null)
    {
        var headers = new Dictionary<string, object?>
        {
            [SpecVersion] = "1.0",
            [Id] = messageId,
            [Source] = source,
            [Type] = type,
            [Time] = time.UtcDateTime.ToString("O"),
        };
        if (correlationId is not null)
        {
            headers[CorrelationId] = correlationId;
        }

        if (traceParent is not null)
        {
            headers[TraceParent] = traceParent;
            if (!string.IsNullOrEmpty(traceState))
            {
                headers[TraceState] = traceState;
            }
        }

        if (alsoRoutedTo is { Count: > 0 })
        {
            headers[Bcc] = alsoRoutedTo.Select(key => (object?)key).ToList();
        }

        if (moreHeaders is not null)
        {
            foreach (var (name, value) in moreHeaders)
            {
                headers.TryAdd(name, value);
            }
        }

        return new BasicProperties
        {
            MessageId = messageId,
            Type = type,
            CorrelationId = correlationId,
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(time.ToUnixTimeSeconds()),
            Headers = headers,
        };
    }

    public static string? Header(IReadOnlyBasicProperties properties, string name) => Header(properties.Headers, name);

    /// <summary>The header's value as text (RabbitMQ delivers text headers as UTF-8 bytes), or null when it is absent.</summary>
    public static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => value.ToString(),
        } : null;

    public static string? CurrentTraceParent() => Activity.Current is { } activity
        ? $"00-{activity.TraceId}-{activity.SpanId}-{(activity.Recorded ? "01" : "00")}"
        : null;

    /// <summary>The current trace's vendor state (W3C <c>tracestate</c>), if any.</summary>
    public static string? CurrentTraceState() => Activity.Current?.TraceStateString is { Length: > 0 } state ? state : null;

    public static ActivityContext ParentFrom(string? traceParent, string? traceState = null) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
}
