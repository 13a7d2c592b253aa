namespace ApiLed.ProcessApi.Apis;

/// <summary>A saga as a search lists it; a parked one says what an operator can do next.</summary>
public sealed record SagaListItem(
    string OrderId,
    string Flow,
    string Mode,
    string Status,
    string PartnerId,
    string CustomerId,
    string? CorrelationId,
    string? TraceId,
    string? FailedStep,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? NextAction);
