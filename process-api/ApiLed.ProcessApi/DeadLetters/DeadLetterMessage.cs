namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>
/// A dead letter as an operator browses it: its ids and type, why it died (<c>rejected</c>: it could not be handled;
/// <c>delivery_limit</c>: it failed every delivery), when, after how many deliveries, and its body.
/// </summary>
public sealed record DeadLetterMessage(
    string MessageId,
    string? Type,
    string? RoutingKey,
    string? CorrelationId,
    string? Reason,
    DateTimeOffset? DiedAt,
    long? Deliveries,
    string Body);
