using ApiLed.ProcessApi.Sagas;

namespace ApiLed.ProcessApi.Apis;

/// <summary>What a bulk action was asked to do: the action, the filter, who and why, its pace and the sagas it selected.</summary>
public sealed record BulkActionJob(
    string Id,
    string Action,
    SagaFilter Filter,
    string By,
    string Reason,
    int PerSecond,
    IReadOnlyList<string> OrderIds,
    DateTimeOffset StartedAt);
