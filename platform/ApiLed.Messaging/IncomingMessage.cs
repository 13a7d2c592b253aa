using System.Text.Json;

namespace ApiLed.Messaging;

/// <summary>A delivered message with its CloudEvents-style attributes read from the AMQP headers.</summary>
public sealed record IncomingMessage(
    string MessageId,
    string Type,
    string RoutingKey,
    string? CorrelationId,
    ReadOnlyMemory<byte> Body,
    bool Redelivered,
    long DeliveryCount)
{
    /// <summary>The message's AMQP headers as delivered (text values as UTF-8 bytes; read them with <see cref="Header"/>).</summary>
    public IDictionary<string, object?>? Headers { get; init; }

    /// <summary>A header's value as text, or null when the message has none of that name.</summary>
    public string? Header(string name) => MessageEnvelope.Header(Headers, name);

    public T Deserialize<T>() => JsonSerializer.Deserialize<T>(Body.Span, JsonSerializerOptions.Web)
        ?? throw new JsonException($"Message {MessageId} of type {Type} has an empty body.");
}
