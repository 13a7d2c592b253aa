using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// A saga as operators see it: steps with their operations, the full history, whether the process API took a
/// choreographed saga over, and what an unfinished choreographed saga waits for.
/// </summary>
public sealed record SagaView(
    string OrderId, string Flow, string Mode, string Status, int Version, string? FailedStep, string? FailureReason,
    string? CorrelationId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool TakenOver, SagaWaiting? Waiting,
    IReadOnlyList<SagaStepDetail> Steps, IReadOnlyList<SagaHistoryEntry> History);
