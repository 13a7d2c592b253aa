using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.SystemApis;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>Saga settings (section <c>Saga</c>).</summary>
public sealed record SagaOptions
{
    public const string Section = "Saga";

    /// <summary>Retries and time budget of a compensation before the saga is parked as needs-attention.</summary>
    public CompensationPolicy Compensation { get; init; } = new();

    /// <summary>How often unfinished sagas that nothing is running are looked for and resumed.</summary>
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Added to a step's time budget before a choreographed saga with no news is flagged as stalled.</summary>
    public TimeSpan StallGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sagas resumed at once by the recovery scan.</summary>
    public int RecoveryConcurrency { get; init; } = 4;
}

/// <summary>
/// The orchestrator: runs an order's saga from wherever its persisted state says it is, calling the system APIs
/// itself through the shared state machine (<see cref="SagaTransitions"/>). Each transition is saved with its
/// events before the next call, so a crash at any point resumes here without acting twice (every call carries
/// the same Idempotency-Key on every attempt).
/// </summary>
public sealed class OrderFulfillmentSaga(
    SagaStore store,
    SagaStepExecutor executor,
    IOptions<SagaOptions> options,
    TimeProvider time,
    ILogger<OrderFulfillmentSaga> logger)
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Outcomes =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.sagas.finished", description: "Sagas that reached a terminal status, by status.");

    public async Task RunAsync(SagaState saga, CancellationToken ct)
    {
        using var activity = ApiLedTelemetry.Source.StartActivity("saga " + saga.Flow);
        activity?.SetTag("apiled.order_id", saga.OrderId);
        var compensation = options.Value.Compensation;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            switch (SagaTransitions.Next(saga))
            {
                case SagaAction.Done:
                    activity?.SetTag("apiled.saga_status", saga.Status);
                    Outcomes.Add(1, new KeyValuePair<string, object?>("status", saga.Status));
                    return;
                case SagaAction.Finish finish:
                    await SaveAsync(saga, SagaTransitions.Finish(saga, finish.Status));
                    break;
                case SagaAction.Execute execute:
                    await SaveAsync(saga, SagaTransitions.StartStep(saga, execute.Step, execute.Definition));
                    var (outcome, attempts) = await executor.ExecuteAsync(saga, execute, ct);
                    await SaveAsync(saga, SagaTransitions.CompleteStep(saga, execute.Step, execute.Definition, outcome, attempts));
                    break;
                case SagaAction.Compensate undo:
                    await SaveAsync(saga, SagaTransitions.StartCompensation(undo.Step, undo.Definition));
                    var (undone, tries) = await executor.CompensateAsync(saga, undo, compensation, ct);
                    var transition = SagaTransitions.CompleteCompensation(saga, undo.Step, undo.Definition, undone, tries);
                    if (transition.Parked)
                    {
                        logger.LogError("Saga {OrderId} parked: {Detail}", saga.OrderId, transition.Detail);
                    }

                    await SaveAsync(saga, transition);
                    break;
            }
        }
    }

    /// <summary>
    /// Saves a transition with its history line and events. A transition already decided is saved even while the
    /// host stops, so the stored state never lags a call that was made.
    /// </summary>
    private Task SaveAsync(SagaState saga, SagaTransition transition)
    {
        saga.UpdatedAt = time.GetUtcNow();
        var version = saga.Version + 1;
        logger.LogInformation("Saga {OrderId} v{Version}: {Kind} {Step} {Detail}", saga.OrderId, version, transition.Kind, transition.Step, transition.Detail);
        return store.SaveAsync(saga, new SagaHistoryEntry(saga.UpdatedAt, transition.Kind, transition.Step, transition.Detail),
            SagaTransitions.MessagesFor(saga, transition, version), CancellationToken.None);
    }
}
