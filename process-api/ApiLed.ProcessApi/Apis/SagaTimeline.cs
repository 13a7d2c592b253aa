namespace ApiLed.ProcessApi.Apis;

/// <summary>An order's saga as a timeline, the same for orchestrated and choreographed orders, with the trace to open.</summary>
public sealed record SagaTimeline(
    string OrderId,
    string Flow,
    string Mode,
    string Status,
    string? FailedStep,
    string? FailureReason,
    string? CorrelationId,
    string? TraceId,
    string? NextAction,
    IReadOnlyList<SagaStepDetail> Steps,
    IReadOnlyList<SagaTimelineEntry> Entries);
