namespace ApiLed.Messaging;

/// <summary>A message to publish: routing plus data; the envelope (CloudEvents attributes) is added by the relay.</summary>
/// <param name="MessageId">The message id, the same on every attempt: subscribers drop repeats by it.</param>
/// <param name="Exchange">The exchange it is published to.</param>
/// <param name="RoutingKey">Its routing key (an event's name, or a command's).</param>
/// <param name="Type">Its CloudEvents type, e.g. <c>apiled.order.completed.v2</c>.</param>
/// <param name="Data">The body, serialized as JSON.</param>
/// <param name="AlsoRoutedTo">
/// More routing keys the exchange routes the message by, besides <paramref name="RoutingKey"/> (RabbitMQ's
/// sender-selected distribution, the <c>BCC</c> header, removed before delivery): how a saga event reaches the one
/// participant whose turn it is, and no other, while every subscriber of the event's own key still gets it.
/// </param>
public sealed record OutboundMessage(string MessageId, string Exchange, string RoutingKey, string Type, object Data,
    IReadOnlyList<string>? AlsoRoutedTo = null);
