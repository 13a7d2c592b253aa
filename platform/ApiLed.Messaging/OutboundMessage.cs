namespace ApiLed.Messaging;

/// <summary>A message to publish: routing plus data; the envelope (CloudEvents attributes) is added by the relay.</summary>
public sealed record OutboundMessage(string MessageId, string Exchange, string RoutingKey, string Type, object Data);
