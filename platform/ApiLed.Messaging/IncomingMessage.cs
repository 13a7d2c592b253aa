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
    public T Deserialize<T>() => JsonSerializer.Deserialize<T>(Body.Span, JsonSerializerOptions.Web)
        ?? throw new JsonException($"Message {MessageId} of type {Type} has an empty body.");
}
