using System.Collections.Concurrent;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Runs each saga at most once at a time in this process: a repeated command, the recovery scan and an
/// operator's retry all come here, and whoever finds the saga already running leaves it to the runner.
/// The state is re-read after the saga is claimed, so a runner never works from a stale copy.
/// </summary>
public sealed class SagaRunner(IServiceScopeFactory scopes, SagaStore store, ILogger<SagaRunner> logger)
{
    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);

    public bool IsRunning(string orderId) => running.ContainsKey(orderId);

    /// <summary>Runs the saga to a terminal status; false when it was already running here.</summary>
    public async Task<bool> TryRunAsync(string orderId, CancellationToken ct)
    {
        if (!running.TryAdd(orderId, 0))
        {
            logger.LogInformation("Saga {OrderId} is already running here; leaving it to that run", orderId);
            return false;
        }

        try
        {
            var saga = await store.FindAsync(orderId, ct) ?? throw new InvalidOperationException($"No saga for order {orderId}.");
            if (saga.Definition.Mode == FlowModes.Choreography)
            {
                return false; // advanced by the participants, never by a coordinator
            }

            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OrderFulfillmentSaga>().RunAsync(saga, ct);
            return true;
        }
        finally
        {
            running.TryRemove(orderId, out _);
        }
    }
}

/// <summary>
/// Resumes every unfinished orchestrated saga when the process API starts (a crash mid-step continues or
/// compensates), then keeps looking for unfinished sagas nothing is running, so no accepted order is ever left
/// behind. A choreographed saga that no event has advanced within its step's time budget is flagged
/// needs-attention (the tracker's stall detection).
/// </summary>
public sealed class SagaRecovery(SagaStore store, SagaRunner runner, IOptions<SagaOptions> options, TimeProvider time,
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
                var unfinished = await store.UnfinishedAsync(stoppingToken);
                foreach (var saga in unfinished.Where(s => s.Definition.Mode == FlowModes.Choreography))
                {
                    await FlagIfStalledAsync(saga, stoppingToken);
                }

                foreach (var saga in unfinished.Where(s => s.Definition.Mode != FlowModes.Choreography && !runner.IsRunning(s.OrderId)))
                {
                    await slots.WaitAsync(stoppingToken);
                    logger.LogInformation("Resuming unfinished saga {OrderId} ({Status})", saga.OrderId, saga.Status);
                    inFlight.Add(ResumeAsync(saga.OrderId, slots, stoppingToken));
                }

                inFlight.RemoveAll(t => t.IsCompleted);
                await Task.Delay(options.Value.RecoveryInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Saga recovery scan failed; trying again later");
                await Task.Delay(options.Value.RecoveryInterval, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }

        await Task.WhenAll(inFlight).ContinueWith(_ => { }, CancellationToken.None);
    }

    private async Task FlagIfStalledAsync(SagaState saga, CancellationToken ct)
    {
        var (waitingFor, budget) = SagaTransitions.Next(saga) switch
        {
            SagaAction.Execute e => (e.Step.Name, e.Definition.Timeout),
            SagaAction.Compensate c => (c.Step.Name, options.Value.Compensation.Timeout),
            _ => ((string?)null, TimeSpan.Zero),
        };
        budget += options.Value.StallGrace;
        if (waitingFor is null || time.GetUtcNow() - saga.UpdatedAt < budget)
        {
            return;
        }

        var transition = SagaTransitions.Stall(saga, waitingFor, budget);
        saga.UpdatedAt = time.GetUtcNow();
        var version = saga.Version + 1;
        logger.LogError("Choreographed saga {OrderId} stalled waiting for {Step}; flagged needs-attention", saga.OrderId, waitingFor);
        try
        {
            await store.SaveAsync(saga, new SagaHistoryEntry(saga.UpdatedAt, transition.Kind, transition.Step, transition.Detail),
                SagaTransitions.MessagesFor(saga, transition, version), ct);
        }
        catch (SagaConcurrencyException)
        {
            // An event moved it on meanwhile: not stalled after all.
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
            logger.LogError(ex, "Resuming saga {OrderId} failed; the next scan tries again", orderId);
        }
        finally
        {
            slots.Release();
        }
    }
}
