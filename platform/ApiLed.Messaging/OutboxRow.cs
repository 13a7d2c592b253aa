namespace ApiLed.Messaging;

/// <summary>A row of the outbox, waiting for the relay.</summary>
public sealed record OutboxRow(long Sequence, string MessageId, string Exchange, string RoutingKey, string Type,
    string? CorrelationId, string? TraceParent, string Body, DateTimeOffset CreatedAt, IReadOnlyList<string>? AlsoRoutedTo = null,
    string? TraceState = null);
