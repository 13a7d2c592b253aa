using ApiLed.Contracts;
using System.Collections.Concurrent;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Runs each saga the process API drives (orchestrated, hybrid, or a choreographed one it took over) at most once
/// at a time, in this process and across instances (<see cref="SagaLeases"/>): a repeated command, the recovery scan
/// and an operator's retry all come here, and whoever finds the saga already running, here or in another instance,
/// leaves it to that runner. The state is re-read after the saga is claimed, so a runner never works from a stale copy.
/// </summary>
public sealed partial class SagaRunner(IServiceScopeFactory scopes, SagaStore store, SagaLeases leases, ILogger<SagaRunner> logger)
{
    /// <summary>How often a run starts again from the stored saga after someone else changed it, before it gives up (the recovery scan resumes it).</summary>
    private const int MaxRuns = 5;

    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);

    public bool IsRunning(string orderId) => running.ContainsKey(orderId);

    /// <summary>Runs the saga to a terminal status; false when it was already running, here or in another instance, or is not the process API's to run.</summary>
    public async Task<bool> TryRunAsync(string orderId, CancellationToken ct)
    {
        if (!running.TryAdd(orderId, 0))
        {
            LogAlreadyRunning(logger, orderId);
            return false;
        }

        try
        {
            if (!await leases.TryAcquireAsync(orderId, ct))
            {
                LogRunningElsewhere(logger, orderId);
                running.TryRemove(orderId, out _);
                return false;
            }
        }
        catch
        {
            running.TryRemove(orderId, out _);
            throw;
        }

        try
        {
            for (var run = 1; ; run++)
            {
                var saga = await store.FindAsync(orderId, ct) ?? throw new InvalidOperationException($"No saga for order {orderId}.");
                if (!saga.DrivenByProcessApi)
                {
                    return false; // advanced by the participants until the process API takes it over
                }

                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<OrderFulfillmentSaga>().RunAsync(saga, ct);
                    if (SagaStatuses.IsTerminal(saga.Status) || run >= MaxRuns
                        || await store.FindAsync(orderId, ct) is not { } after || after.Version == saga.Version)
                    {
                        return true;
                    }

                    // It stopped to wait, and someone answered (a decision, a callback) while this run still held it: go on.
                    LogChangedWhileRunning(logger, orderId);
                }
                catch (SagaConcurrencyException) when (run < MaxRuns)
                {
                    // Someone changed the saga while it ran here (the partner cancelled it, an operator decided): what it says now
                    // wins, and the run goes on from there. A call made meanwhile is undone if the saga now says so (same key).
                    LogChangedWhileRunning(logger, orderId);
                }
            }
        }
        finally
        {
            try
            {
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await leases.ReleaseAsync(orderId, bounded.Token);
            }
            catch (Exception ex)
            {
                LogReleaseFailed(logger, ex, orderId); // the claim lapses on its own
            }

            running.TryRemove(orderId, out _);
        }
    }

    /// <summary>
    /// Runs the saga in the background after an operator acted on it (a decision, a retry), until the host stops; a run
    /// that fails is logged and left to the recovery scan, which resumes every unfinished saga.
    /// </summary>
    public void RunInBackground(string orderId, CancellationToken stopping) => _ = Task.Run(async () =>
    {
        try
        {
            await TryRunAsync(orderId, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: resumed at the next start.
        }
        catch (Exception ex)
        {
            LogBackgroundRunFailed(logger, ex, orderId);
        }
    }, CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Error, Message = "Running saga {OrderId} after an operator's action failed; the recovery scan resumes it")]
    private static partial void LogBackgroundRunFailed(ILogger logger, Exception ex, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saga {OrderId} changed while it ran here (a cancel or a decision); going on from what it says now")]
    private static partial void LogChangedWhileRunning(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saga {OrderId} is run by another process API instance; leaving it to that instance")]
    private static partial void LogRunningElsewhere(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Letting go of saga {OrderId} failed; the claim lapses on its own")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saga {OrderId} is already running here; leaving it to that run")]
    private static partial void LogAlreadyRunning(ILogger logger, string orderId);
}
