using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ApiLed.ServiceDefaults.Telemetry;
using Polly.CircuitBreaker;

namespace ApiLed.ServiceDefaults.Resilience;

/// <summary>
/// The circuit of every downstream this process calls, by name (e.g. <c>billing-api</c>), as the gauge
/// <c>apiled.circuit.state</c>: 0 closed (calls pass), 1 half-open (one trial call), 2 open (calls refused), 3 isolated.
/// A pipeline built again for the same downstream (a flows reload) replaces the one before.
/// </summary>
public static class CircuitStates
{
    private static readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> circuits = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<int> Gauge = ApiLedTelemetry.Meter.CreateObservableGauge("apiled.circuit.state", Observe,
        description: "The circuit breaker in front of each downstream API: 0 closed, 1 half-open, 2 open, 3 isolated.");

    /// <summary>A new state provider for the circuit to <paramref name="downstream"/>, watched from now on.</summary>
    public static CircuitBreakerStateProvider Track(string downstream)
    {
        _ = Gauge;
        var provider = new CircuitBreakerStateProvider();
        circuits[downstream] = provider;
        return provider;
    }

    /// <summary>The state of the circuit to <paramref name="downstream"/>, if this process calls it.</summary>
    public static CircuitState? StateOf(string downstream) => circuits.TryGetValue(downstream, out var provider) ? provider.CircuitState : null;

    private static IEnumerable<Measurement<int>> Observe() =>
        circuits.Select(c => new Measurement<int>(c.Value.CircuitState switch
        {
            CircuitState.Closed => 0,
            CircuitState.HalfOpen => 1,
            CircuitState.Open => 2,
            _ => 3,
        }, new KeyValuePair<string, object?>("downstream", c.Key)));
}
