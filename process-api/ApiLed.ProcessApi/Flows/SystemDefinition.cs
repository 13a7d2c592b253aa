using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Resilience;

namespace ApiLed.ProcessApi.Flows;

/// <summary>
/// A system flows call (<c>Flows:Systems:{name}</c>): where it is, how every call to it is protected, and the
/// operations it offers. Where it is and how it is protected apply to running sagas at once; its operations are
/// pinned in each saga's definition when the saga starts.
/// </summary>
public sealed record SystemDefinition
{
    /// <summary>The system's base URL, e.g. <c>http://127.0.0.1:5202</c> (override per deployment: <c>Flows__Systems__billing__BaseUrl</c>).</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>
    /// More instances of the system besides <c>BaseUrl</c> (<c>Flows__Systems__inventory__Replicas__0</c>, ...):
    /// calls are spread over all of them, and one that refuses connections is left out for a few seconds.
    /// </summary>
    public Uri[] Replicas { get; init; } = [];

    /// <summary>Per-call timeout, retries inside one call (0: the step's policy retries) and circuit breaker.</summary>
    public HttpResilienceOptions Resilience { get; init; } = new() { MaxRetryAttempts = 0 };

    /// <summary>At most this many calls in flight to the system from this process (0: no limit).</summary>
    public int ConcurrencyLimit { get; init; }

    public Dictionary<string, OperationDefinition> Operations { get; init; } = new(StringComparer.Ordinal);
}
