using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.SystemApis;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

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
    /// Records a transition. A transition already decided is recorded even while the host stops, so the stored
    /// state never lags a call that was made.
    /// </summary>
    private Task SaveAsync(SagaState saga, SagaTransition transition) => store.RecordAsync(saga, transition, CancellationToken.None);
}
