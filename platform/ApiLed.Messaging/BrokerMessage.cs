using System.Text;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Messaging;

/// <summary>
/// A message ready to publish: routing, its CloudEvents attributes and its body. The outbox relay makes them from
/// stored rows, a choreography participant from the events it decided; both publish them through
/// <see cref="ConfirmedPublisher"/>.
/// </summary>
public sealed record BrokerMessage(
    string MessageId,
    string Exchange,
    string RoutingKey,
    string Type,
    DateTimeOffset Time,
    string? CorrelationId,
    string? TraceParent,
    string? TraceState,
    ReadOnlyMemory<byte> Body,
    IReadOnlyList<string>? AlsoRoutedTo = null)
{
    /// <summary>More AMQP headers of the application's own, written as they are (e.g. <c>apiled-earlier-events</c>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>A message for <paramref name="message"/>, stamped now with the current correlation id and trace.</summary>
    public static BrokerMessage From(OutboundMessage message, DateTimeOffset now) => new(
        message.MessageId, message.Exchange, message.RoutingKey, message.Type, now, CorrelationContext.Current,
        MessageEnvelope.CurrentTraceParent(), MessageEnvelope.CurrentTraceState(), SerializedJson.Utf8Of(message.Data), message.AlsoRoutedTo);

    /// <summary>A message for a stored outbox row, with the correlation id and trace it was stored with.</summary>
    public static BrokerMessage From(OutboxRow row) => new(
        row.MessageId, row.Exchange, row.RoutingKey, row.Type, row.CreatedAt, row.CorrelationId, row.TraceParent, row.TraceState,
        Encoding.UTF8.GetBytes(row.Body), row.AlsoRoutedTo);
}
