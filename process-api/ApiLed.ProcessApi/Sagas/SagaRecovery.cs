using ApiLed.Sagas;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Keeps every accepted order moving. At start-up and every <c>Saga:RecoveryInterval</c> it resumes the unfinished
/// sagas the process API drives that nothing runs, here or in another live instance (a crash mid-step continues or
/// compensates; a dead instance's sagas are taken over once its claims lapse, <see cref="SagaLeases"/>), and watches the
/// choreographed ones: a choreographed saga that stalled (<see cref="ChoreographyStallRule"/>) is taken over by the
/// process API, which then finishes or compensates it itself, so there is one authority per saga at any moment.
/// </summary>
public sealed partial class SagaRecovery(
    SagaStore store,
    SagaRunner runner,
    SagaLeases leases,
    ChoreographyQueueWatch queueWatch,
    QueueObservations observations,
    IOptions<SagaOptions> options,
    TimeProvider time,
    ILogger<SagaRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(options.Value.RecoveryConcurrency);
        var inFlight = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A choreographed saga changed within the stall grace cannot be stalled (every deadline of the stall rule is later).
                var now = time.GetUtcNow();
                var unfinished = await store.UnfinishedAsync(now - options.Value.StallGrace, now, stoppingToken); // waits not yet due are left out
                await EndDueWaitsAsync(unfinished.Where(s => s.WaitingUntil is not null).ToList(), stoppingToken);
                await WatchChoreographyAsync(unfinished.Where(s => !s.DrivenByProcessApi && s.WaitingUntil is null).ToList(), stoppingToken);

                var toResume = unfinished.Where(s => s.DrivenByProcessApi && !runner.IsRunning(s.OrderId)).ToList();
                if (toResume.Count > 0)
                {
                    // Another instance's sagas are its own while its claims live; a dead instance's claims lapse and its sagas are resumed here.
                    var elsewhere = await leases.HeldElsewhereAsync(stoppingToken);
                    toResume.RemoveAll(s => elsewhere.Contains(s.OrderId));
                }

                foreach (var saga in toResume)
                {
                    await slots.WaitAsync(stoppingToken);
                    LogResuming(logger, saga.OrderId, saga.Status);
                    inFlight.Add(ResumeAsync(saga.OrderId, slots, stoppingToken));
                }

                inFlight.RemoveAll(t => t.IsCompleted);
                await Task.Delay(options.Value.RecoveryInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogScanFailed(logger, ex);
                await Task.Delay(options.Value.RecoveryInterval, time, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }

        await Task.WhenAll(inFlight).ContinueWith(_ => { }, CancellationToken.None);
    }

    /// <summary>
    /// The process API is the clock of every saga: an approval past its deadline gets its step's deadline action, and a
    /// callback past its deadline fails its step, in every mode; a choreographed saga's due timer step ends (an orchestrated one's is ended by its runner). Each
    /// publishes its events, in choreography routed to the participant whose turn comes next (the clock calls no
    /// system). An event or a decision that moved the saga on meanwhile wins.
    /// </summary>
    private async Task EndDueWaitsAsync(List<SagaState> due, CancellationToken ct)
    {
        foreach (var saga in due)
        {
            var transition = SagaTransitions.Next(saga) switch
            {
                SagaAction.AwaitApproval approval => SagaTransitions.ApprovalDeadlinePassed(saga, approval.Step, approval.Definition, time.GetUtcNow()),
                SagaAction.AwaitCallback callback => SagaTransitions.CallbackDeadlinePassed(saga, callback.Step, callback.Definition),
                SagaAction.Wait wait when !saga.DrivenByProcessApi => SagaTransitions.CompleteWait(saga, wait.Step, wait.Definition, time.GetUtcNow()),
                _ => null,
            };
            if (transition is null)
            {
                continue;
            }

            var changes = new SagaChangeSet(saga, time).Add(transition);
            if (SagaTransitions.Next(saga) is SagaAction.Finish finish)
            {
                changes.Add(SagaTransitions.Finish(saga, finish.Status));
            }

            try
            {
                await store.RecordAsync(changes, ct);
            }
            catch (SagaConcurrencyException)
            {
                // Recorded meanwhile (another scan, or an event): the next scan sees the saga as it is now.
            }
        }
    }

    /// <summary>Looks at the queues the choreographed sagas wait on, then takes over the ones that stalled.</summary>
    private async Task WatchChoreographyAsync(List<SagaState> choreographed, CancellationToken ct)
    {
        if (choreographed.Count == 0)
        {
            return;
        }

        var queues = choreographed.Select(s => SagaTransitions.Next(s).System).OfType<string>().Distinct(StringComparer.Ordinal)
            .Select(ChoreographyQueues.For).Append(SagaTracker.Queue.Name);
        await queueWatch.ObserveAsync(queues, ct);

        var now = time.GetUtcNow();
        foreach (var saga in choreographed)
        {
            if (ChoreographyStallRule.Evaluate(saga, now, observations, options.Value) is not StallVerdict.Stalled stalled)
            {
                continue;
            }

            LogStalled(logger, saga.OrderId, stalled.Step ?? "its outcome", stalled.Reason);
            try
            {
                await store.RecordAsync(saga, SagaTransitions.TakeOver(saga, stalled.Step, stalled.Reason), ct);
            }
            catch (SagaConcurrencyException)
            {
                // An event moved it on meanwhile: not stalled after all.
            }
        }
    }

    private async Task ResumeAsync(string orderId, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            await runner.TryRunAsync(orderId, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the saga stays unfinished and is resumed at the next start.
        }
        catch (Exception ex)
        {
            LogResumeFailed(logger, ex, orderId);
        }
        finally
        {
            slots.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming unfinished saga {OrderId} ({Status})")]
    private static partial void LogResuming(ILogger logger, string orderId, string status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Saga recovery scan failed; trying again later")]
    private static partial void LogScanFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Choreographed saga {OrderId} stalled waiting for {WaitingFor} ({Reason}); the process API takes it over")]
    private static partial void LogStalled(ILogger logger, string orderId, string waitingFor, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming saga {OrderId} failed; the next scan tries again")]
    private static partial void LogResumeFailed(ILogger logger, Exception ex, string orderId);
}
