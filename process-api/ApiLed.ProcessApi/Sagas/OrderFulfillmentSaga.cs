using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// The orchestrator: runs an order's saga from wherever its persisted state says it is, calling the system APIs
/// itself through the shared state machine (<see cref="SagaTransitions"/>). Each transition is saved with its
/// events before the next call (an outcome together with the start of the action it leads to, one record), so a
/// crash at any point resumes here without acting twice (every call carries the same Idempotency-Key on every attempt).
/// </summary>
public sealed class OrderFulfillmentSaga(
    SagaStore store,
    SagaStepExecutor executor,
    IOptions<SagaOptions> options,
    TimeProvider time,
    ILogger<OrderFulfillmentSaga> logger)
{
    public async Task RunAsync(SagaState saga, CancellationToken ct)
    {
        using var activity = SagaSpans.StartRun(saga);
        using var correlation = saga.CorrelationId is { } id && CorrelationContext.Current != id ? CorrelationContext.Enter(logger, id) : null;
        var compensation = options.Value.Compensation;
        var changes = new SagaChangeSet(saga, time); // an outcome waits here to be recorded with the next action's start
        while (true)
        {
            if (ct.IsCancellationRequested)
            {
                await SaveAsync(changes); // a call that was made is recorded even while the host stops
                ct.ThrowIfCancellationRequested();
            }

            switch (SagaTransitions.Next(saga))
            {
                case SagaAction.Done:
                    await SaveAsync(changes);
                    activity.SetTag("apiled.saga_status", saga.Status);
                    return;
                case SagaAction.Finish finish:
                    changes.Add(SagaTransitions.Finish(saga, finish.Status));
                    break;
                case SagaAction.Execute { Definition.Group: { } group } when saga.Definition.Mode != FlowModes.Choreography:
                    await SaveAsync(changes);
                    await RunParallelAsync(saga, group, ct);
                    changes = new SagaChangeSet(saga, time);
                    break;
                case SagaAction.Execute execute:
                    // The start is recorded before the call (with the previous step's outcome, in one record), so an
                    // operator sees the step running and a restart resumes it.
                    await SaveAsync(changes.Add(SagaTransitions.StartStep(saga, execute.Step, execute.Definition)));
                    var (outcome, attempts) = await executor.ExecuteAsync(saga, execute, ct);
                    changes = new SagaChangeSet(saga, time);
                    changes.Add(SagaTransitions.CompleteStep(saga, execute.Step, execute.Definition, outcome, attempts, time.GetUtcNow()));
                    break;
                case SagaAction.AwaitCallback awaiting:
                    await SaveAsync(changes);
                    changes = new SagaChangeSet(saga, time);
                    if (await store.EarlyCallbackAsync(saga.OrderId, awaiting.Step.Name, ct) is not { } early)
                    {
                        return; // the external system calls back (CallbacksApi), or the deadline passes (the recovery scan)
                    }

                    // It called back before the wait was recorded: take it now.
                    changes.Add(SagaTransitions.CompleteCallback(saga, awaiting.Step, awaiting.Definition, early.Succeeded, early.Detail, time.GetUtcNow()));
                    break;
                case SagaAction.AwaitApproval:
                    await SaveAsync(changes);
                    return; // an operator decides (ApprovalsApi), or the deadline does (the recovery scan)
                case SagaAction.Wait wait:
                    var left = wait.DueAt - time.GetUtcNow();
                    if (left > TimeSpan.Zero)
                    {
                        await SaveAsync(changes);
                        changes = new SagaChangeSet(saga, time);
                        if (left > options.Value.RecoveryInterval)
                        {
                            return; // the recovery scan resumes the saga when its wait is due, after a restart too
                        }

                        await Task.Delay(left, time, ct);
                    }

                    changes.Add(SagaTransitions.CompleteWait(saga, wait.Step, wait.Definition, time.GetUtcNow()));
                    break;
                case SagaAction.Compensate undo:
                    await SaveAsync(changes.Add(SagaTransitions.StartCompensation(undo.Step, undo.Definition)));
                    var (undone, tries) = await executor.CompensateAsync(saga, undo, compensation, ct);
                    changes = new SagaChangeSet(saga, time);
                    if (changes.Add(SagaTransitions.CompleteCompensation(saga, undo.Step, undo.Definition, undone, tries)).Last is { Parked: true } parked)
                    {
                        logger.LogError("Saga {OrderId} parked: {Detail}", saga.OrderId, parked.Detail);
                    }

                    break;
            }

            // A saga whose last action settled it is finished in the same record (a parked saga is terminal: Next is Done).
            if (SagaTransitions.Next(saga) is SagaAction.Finish settled)
            {
                changes.Add(SagaTransitions.Finish(saga, settled.Status));
            }
        }
    }

    /// <summary>
    /// Runs the branches of a parallel step side by side, each its steps in order, and returns once every branch is done (the
    /// join). Transitions are applied and recorded one at a time; calls run at the same time. A branch whose step fails stops,
    /// and the others stop before their next step (the failure skipped it); what they did is compensated after the join, in
    /// reverse, with the rest. After a restart the steps still pending or running are run again (same Idempotency-Keys).
    /// </summary>
    private async Task RunParallelAsync(SagaState saga, string group, CancellationToken ct)
    {
        using var turn = new SemaphoreSlim(1, 1);
        var lanes = saga.Definition.Steps.Where(s => s.Group == group).GroupBy(s => s.Lane);
        await Task.WhenAll(lanes.Select(lane => RunLaneAsync(saga, [.. lane], turn, ct)));
    }

    private async Task RunLaneAsync(SagaState saga, IReadOnlyList<StepDefinition> lane, SemaphoreSlim turn, CancellationToken ct)
    {
        foreach (var definition in lane)
        {
            var step = saga.Steps.Single(s => s.Name == definition.Name);
            await turn.WaitAsync(CancellationToken.None);
            try
            {
                if (saga.Status != SagaStatuses.Running || step.Status is not (StepStatuses.Pending or StepStatuses.Running))
                {
                    if (saga.Status != SagaStatuses.Running)
                    {
                        return; // a sibling failed: this branch goes no further
                    }

                    continue; // done before a restart
                }

                await SaveAsync(new SagaChangeSet(saga, time).Add(SagaTransitions.StartStep(saga, step, definition)));
            }
            finally
            {
                turn.Release();
            }

            var (outcome, attempts) = await executor.ExecuteAsync(saga, new SagaAction.Execute(step, definition), ct);
            await turn.WaitAsync(CancellationToken.None);
            try
            {
                await SaveAsync(new SagaChangeSet(saga, time).Add(SagaTransitions.CompleteStep(saga, step, definition, outcome, attempts, time.GetUtcNow())));
            }
            finally
            {
                turn.Release();
            }

            if (outcome is not StepOutcome.Succeeded)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Records transitions. A transition already decided is recorded even while the host stops, so the stored
    /// state never lags a call that was made.
    /// </summary>
    private Task SaveAsync(SagaChangeSet changes) => store.RecordAsync(changes, CancellationToken.None);
}
