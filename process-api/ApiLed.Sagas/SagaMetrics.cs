using System.Diagnostics.Metrics;
using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.Sagas;

/// <summary>The sagas' instruments (meter <c>ApiLed</c>; OTLP when configured, and <c>GET /metrics</c> on every service).</summary>
public static class SagaMetrics
{
    public static readonly Counter<long> Started =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.sagas.started", description: "Sagas started, by flow and mode.");

    public static readonly Counter<long> Finished =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.sagas.finished",
            description: "Sagas that reached a terminal status (completed, failed, cancelled, needs-attention), by status, flow and mode.");

    public static readonly Histogram<double> Duration =
        ApiLedTelemetry.Meter.CreateHistogram<double>("apiled.saga.duration", unit: "ms",
            description: "From a saga's start to its terminal status, by status, flow and mode.");

    public static readonly Counter<long> Retries =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.step.retries", description: "Calls of a step's operation (or its undo) made again after a transient fault, by operation.");

    public static readonly Histogram<double> StepDuration =
        ApiLedTelemetry.Meter.CreateHistogram<double>("apiled.step.duration", unit: "ms",
            description: "One step's call or undo, every attempt and wait between them included, by operation and outcome (succeeded, rejected, faulted).");

    /// <summary>A saga started.</summary>
    public static void Start(SagaState saga) =>
        Started.Add(1, new("flow", saga.Flow), new("mode", saga.Definition.Mode));

    /// <summary>A saga reached its terminal status (counted once, where the transition that ended it is recorded).</summary>
    public static void Finish(SagaState saga)
    {
        if (!SagaStatuses.IsTerminal(saga.Status))
        {
            return;
        }

        KeyValuePair<string, object?>[] tags = [new("status", saga.Status), new("flow", saga.Flow), new("mode", saga.Definition.Mode)];
        Finished.Add(1, tags);
        Duration.Record((saga.UpdatedAt - saga.CreatedAt).TotalMilliseconds, tags);
    }
}
