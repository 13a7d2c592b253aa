using ApiLed.ProcessApi.DeadLetters;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Runs operators' bulk actions: the sagas a filter selects (up to <see cref="MaxSagas"/>, newest first) are taken in
/// batches of <c>perSecond</c>, a batch a second, each exactly as the single action would (the same checks, the same
/// record with who and why in its history); what failed is listed with the answer it got. The bulk action and its
/// progress live in the store (<see cref="BulkActionStore"/>), so any instance answers for it; the instance that runs it
/// renews its claim with each saga (<c>Saga:LeaseDuration</c>), and when that instance stops or dies, an instance's
/// scan (every <c>Saga:RecoveryInterval</c>) takes the lapsed bulk action over and goes on from the first saga not
/// recorded as done (a saga acted on just before a crash is tried again, and the single action's own checks refuse a
/// repeat: it is then listed with that answer).
/// </summary>
public sealed partial class BulkActions(
    SagaStore sagas,
    BulkActionStore store,
    SagaRunner runner,
    SagaLeases leases,
    OperatorActionLog log,
    IOptions<SagaOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<BulkActions> logger) : BackgroundService
{
    public const int MaxSagas = 10_000;
    private const int Kept = 100;

    public Task<BulkActionView?> FindAsync(string id, CancellationToken ct) => store.FindAsync(id, ct);

    public Task<List<BulkActionView>> RecentAsync(CancellationToken ct) => store.RecentAsync(Kept, ct);

    /// <summary>Selects the sagas, records the action, and starts it in the background.</summary>
    public async Task<BulkActionView> StartAsync(BulkActionRequest request, CancellationToken ct)
    {
        var ids = new List<string>();
        (DateTimeOffset, string)? after = null;
        while (ids.Count < MaxSagas)
        {
            var page = await sagas.SearchIdsAsync(request.Filter!.Normalized(), after, Math.Min(500, MaxSagas - ids.Count), ct);
            ids.AddRange(page.Select(s => s.OrderId));
            if (page.Count < 500)
            {
                break;
            }

            after = (page[^1].CreatedAt, page[^1].OrderId);
        }

        var job = new BulkActionJob(Guid.NewGuid().ToString("N")[..12], request.Action!, request.Filter!, request.By!.Trim(), request.Reason!.Trim(),
            request.PerSecond ?? 10, ids, time.GetUtcNow());
        await store.InsertAsync(job, leases.Owner, ClaimUntil(), ct);
        await log.RecordAsync(job.By, job.Reason, "bulk-" + job.Action, job.Id, $"{ids.Count} saga(s) selected by {System.Text.Json.JsonSerializer.Serialize(job.Filter, System.Text.Json.JsonSerializerOptions.Web)}", ct);
        _ = Task.Run(() => RunAsync(job, 0, lifetime.ApplicationStopping), CancellationToken.None);
        return new BulkActionView(job.Id, job.Action, job.Filter, job.By, job.Reason, job.PerSecond, "running", ids.Count, 0, 0, [],
            job.StartedAt, null);
    }

    /// <summary>Takes over the bulk actions whose instance stopped or died, every <c>Saga:RecoveryInterval</c>.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var (job, processed) in await store.TakeOverLapsedAsync(leases.Owner, time.GetUtcNow(), ClaimUntil(), stoppingToken))
                {
                    LogTakenOver(logger, job.Id, job.Action, processed, job.OrderIds.Count);
                    _ = Task.Run(() => RunAsync(job, processed, stoppingToken), CancellationToken.None);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogScanFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(options.Value.RecoveryInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private DateTimeOffset ClaimUntil() => time.GetUtcNow() + options.Value.LeaseDuration;

    private async Task RunAsync(BulkActionJob job, int from, CancellationToken stopping)
    {
        var request = new OperatorActionRequest(job.By, job.Reason);
        var succeeded = 0;
        var failed = 0;
        try
        {
            foreach (var batch in job.OrderIds.Skip(from).Chunk(job.PerSecond))
            {
                var due = time.GetUtcNow() + TimeSpan.FromSeconds(1);
                foreach (var orderId in batch)
                {
                    IResult result;
                    try
                    {
                        result = job.Action switch
                        {
                            "redrive" => await SagasApi.ActAsync(orderId, request, sagas, runner, lifetime, SagaTransitions.WhyNotRedrivable,
                                SagaTransitions.Redrive, stopping),
                            "retry-compensation" => await SagasApi.ActAsync(orderId, request, sagas, runner, lifetime, SagasApi.WhyNotRetriable,
                                SagaTransitions.RetryCompensation, stopping),
                            _ => await CancellationsApi.CancelAsync(orderId, new SagaCancelRequest(job.By, job.Reason), sagas, runner, time, lifetime, stopping),
                        };
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        result = TypedResults.Problem(ex.Message);
                    }

                    var failure = FailureOf(result);
                    if (!await store.RecordAsync(job.Id, leases.Owner, orderId, failure, ClaimUntil(), stopping))
                    {
                        LogLost(logger, job.Id);
                        return; // another instance holds it now (this one was paused past its claim): it goes on from there
                    }

                    if (failure is null)
                    {
                        succeeded++;
                    }
                    else
                    {
                        failed++;
                    }
                }

                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stopping);
                }
            }

            await store.FinishAsync(job.Id, leases.Owner, time.GetUtcNow(), stopping);
            LogFinished(logger, job.Id, job.Action, succeeded, failed, job.OrderIds.Count - from);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the bulk action stays unfinished in the store, and its claim lapses for another instance (or this
            // one, started again) to go on with it.
        }
        catch (Exception e)
        {
            LogRunFailed(logger, job.Id, e.Message); // its claim lapses and a scan takes it over
        }
    }

    /// <summary>Null when the single action was taken (200/202), else the answer it got.</summary>
    private static string? FailureOf(IResult result) => result switch
    {
        IStatusCodeHttpResult { StatusCode: 200 or 202 } => null,
        ProblemHttpResult problem => $"{problem.StatusCode} {problem.ProblemDetails.Type?.Split('/')[^1]}: {problem.ProblemDetails.Detail}",
        ValidationProblem validation => $"400 {string.Join("; ", validation.ProblemDetails.Errors.SelectMany(e => e.Value))}",
        IStatusCodeHttpResult other => $"HTTP {other.StatusCode}",
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk action {Id} ({Action}) finished here: {Succeeded} done, {Failed} failed of the {Total} this instance ran")]
    private static partial void LogFinished(ILogger logger, string id, string action, int succeeded, int failed, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk action {Id} ({Action}) taken over from an instance that stopped: going on after {Processed} of {Total}")]
    private static partial void LogTakenOver(ILogger logger, string id, string action, int processed, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk action {Id} was taken over by another instance: this one stops running it")]
    private static partial void LogLost(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bulk action {Id} stopped on an error ({Error}); its claim lapses and it is taken over")]
    private static partial void LogRunFailed(ILogger logger, string id, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan for lapsed bulk actions failed ({Error}); trying again")]
    private static partial void LogScanFailed(ILogger logger, string error);
}
