namespace ApiLed.ProcessApi.Sagas;

/// <summary>Which sagas a search or a bulk action takes: every field that is set must match (null = any).</summary>
public sealed record SagaFilter(
    string? Partner = null,
    string? Customer = null,
    string? OrderId = null,
    string? CorrelationId = null,
    string? Flow = null,
    string? Mode = null,
    string? Status = null,
    string? FailedStep = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);
