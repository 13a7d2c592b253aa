using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Hands a callback to its step. A step seen waiting takes it at once; one not yet seen waiting (its operation's answer, or
/// in choreography its event, is still on its way) gets it held, and takes it when it is seen waiting: the orchestrator
/// asks after recording the wait, the saga tracker after following it, and the receiver of the callback looks again once
/// it has held it, so a callback is never lost between the two.
/// </summary>
public sealed class CallbackDelivery(SagaStore store, SagaRunner runner, TimeProvider time, IHostApplicationLifetime lifetime)
{
    /// <summary>What became of a callback.</summary>
    public enum Outcome
    {
        Taken,
        Held,
        NotAwaited,
    }

    public async Task<Outcome> DeliverAsync(SagaState saga, string step, EarlyCallback callback, CancellationToken ct)
    {
        if (await TryTakeAsync(saga, step, callback, ct))
        {
            return Outcome.Taken;
        }

        var state = saga.Steps.First(s => s.Name == step);
        if (saga.Status != ApiLed.Contracts.SagaStatuses.Running || state.Status is not (StepStatuses.Pending or StepStatuses.Running))
        {
            return Outcome.NotAwaited;
        }

        await store.HoldEarlyCallbackAsync(saga.OrderId, step, callback, ct);
        // The wait may have been recorded while the callback was held: look again, so one of the two takes it.
        return await store.FindAsync(saga.OrderId, ct) is { } now && await TryTakeAsync(now, step, callback, ct) ? Outcome.Taken : Outcome.Held;
    }

    /// <summary>After a saga was seen waiting for a callback: takes the one held for it, if it came early. True when it did.</summary>
    public async Task<bool> TakeHeldAsync(SagaState saga, CancellationToken ct) =>
        SagaTransitions.Next(saga) is SagaAction.AwaitCallback awaiting
        && await store.EarlyCallbackAsync(saga.OrderId, awaiting.Step.Name, ct) is { } held
        && await TryTakeAsync(saga, awaiting.Step.Name, held, ct);

    private async Task<bool> TryTakeAsync(SagaState saga, string step, EarlyCallback callback, CancellationToken ct)
    {
        if (SagaTransitions.Next(saga) is not SagaAction.AwaitCallback awaiting || awaiting.Step.Name != step)
        {
            return false;
        }

        try
        {
            await store.RecordAsync(saga, SagaTransitions.CompleteCallback(saga, awaiting.Step, awaiting.Definition, callback.Succeeded, callback.Detail,
                time.GetUtcNow()), ct);
        }
        catch (SagaConcurrencyException)
        {
            return false; // taken meanwhile (by the other side, or the deadline)
        }

        if (saga.DrivenByProcessApi)
        {
            runner.RunInBackground(saga.OrderId, lifetime.ApplicationStopping); // in choreography the event goes to the next participant
        }

        return true;
    }
}
