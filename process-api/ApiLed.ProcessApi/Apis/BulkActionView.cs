using ApiLed.ProcessApi.Sagas;

namespace ApiLed.ProcessApi.Apis;

/// <summary>A bulk action's progress: <c>status</c> is <c>running</c> or <c>done</c>; every saga it could not act on is listed with why.</summary>
public sealed record BulkActionView(
    string Id,
    string Action,
    SagaFilter Filter,
    string By,
    string Reason,
    int PerSecond,
    string Status,
    int Total,
    int Processed,
    int Succeeded,
    IReadOnlyList<BulkActionFailure> Failed,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt);
