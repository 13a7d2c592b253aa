using System.Collections.Concurrent;
using ApiLed.ProcessApi.DeadLetters;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Runs operators' bulk actions: the sagas a filter selects (up to <see cref="MaxSagas"/>, newest first) are taken in
/// batches of <c>perSecond</c>, a batch a second, each exactly as the single action would (the same checks, the same
/// record with who and why in its history); what failed is listed with the answer it got. Progress is kept in memory
/// for the last <see cref="Kept"/> bulk actions (a restart forgets it; each saga's history keeps what was done).
/// </summary>
public sealed partial class BulkActions(
    SagaStore store,
    SagaRunner runner,
    OperatorActionLog log,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<BulkActions> logger)
{
    public const int MaxSagas = 10_000;
    private const int Kept = 100;
    private readonly ConcurrentDictionary<string, Job> jobs = new(StringComparer.Ordinal);

    public BulkActionView? Find(string id) => jobs.TryGetValue(id, out var job) ? job.View() : null;

    public IReadOnlyList<BulkActionView> Recent() => [.. jobs.Values.Select(j => j.View()).OrderByDescending(v => v.StartedAt)];

    /// <summary>Selects the sagas, records the action, and starts it in the background.</summary>
    public async Task<BulkActionView> StartAsync(BulkActionRequest request, CancellationToken ct)
    {
        var ids = new List<string>();
        (DateTimeOffset, string)? after = null;
        while (ids.Count < MaxSagas)
        {
            var page = await store.SearchIdsAsync(request.Filter!.Normalized(), after, Math.Min(500, MaxSagas - ids.Count), ct);
            ids.AddRange(page.Select(s => s.OrderId));
            if (page.Count < 500)
            {
                break;
            }

            after = (page[^1].CreatedAt, page[^1].OrderId);
        }

        var job = new Job(Guid.NewGuid().ToString("N")[..12], request.Action!, request.Filter!, request.By!.Trim(), request.Reason!.Trim(),
            request.PerSecond ?? 10, ids, time.GetUtcNow());
        foreach (var old in jobs.Values.OrderBy(j => j.StartedAt).Take(Math.Max(0, jobs.Count - Kept + 1)).Where(j => j.Finished is not null))
        {
            jobs.TryRemove(old.Id, out _);
        }

        jobs[job.Id] = job;
        await log.RecordAsync(job.By, job.Reason, "bulk-" + job.Action, job.Id, $"{ids.Count} saga(s) selected by {System.Text.Json.JsonSerializer.Serialize(job.Filter, System.Text.Json.JsonSerializerOptions.Web)}", ct);
        _ = Task.Run(() => RunAsync(job, lifetime.ApplicationStopping), CancellationToken.None);
        return job.View();
    }

    private async Task RunAsync(Job job, CancellationToken stopping)
    {
        var request = new OperatorActionRequest(job.By, job.Reason);
        try
        {
            foreach (var batch in job.OrderIds.Chunk(job.PerSecond))
            {
                var due = time.GetUtcNow() + TimeSpan.FromSeconds(1);
                foreach (var orderId in batch)
                {
                    IResult result;
                    try
                    {
                        result = job.Action switch
                        {
                            "redrive" => await SagasApi.ActAsync(orderId, request, store, runner, lifetime, SagaTransitions.WhyNotRedrivable,
                                SagaTransitions.Redrive, stopping),
                            "retry-compensation" => await SagasApi.ActAsync(orderId, request, store, runner, lifetime, SagasApi.WhyNotRetriable,
                                SagaTransitions.RetryCompensation, stopping),
                            _ => await CancellationsApi.CancelAsync(orderId, new SagaCancelRequest(job.By, job.Reason), store, runner, time, lifetime, stopping),
                        };
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        result = TypedResults.Problem(ex.Message);
                    }

                    job.Record(orderId, FailureOf(result));
                }

                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // stopping: what is left is not done, and says so
        }

        job.Finish(time.GetUtcNow());
        LogFinished(logger, job.Id, job.Action, job.Succeeded, job.FailedCount, job.OrderIds.Count);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk action {Id} ({Action}) finished: {Succeeded} done, {Failed} failed of {Total}")]
    private static partial void LogFinished(ILogger logger, string id, string action, int succeeded, int failed, int total);

    private sealed class Job(string id, string action, SagaFilter filter, string by, string reason, int perSecond, List<string> orderIds, DateTimeOffset startedAt)
    {
        private readonly Lock gate = new();
        private readonly List<BulkActionFailure> failed = [];
        private int processed;

        public string Id => id;
        public string Action => action;
        public SagaFilter Filter => filter;
        public string By => by;
        public string Reason => reason;
        public int PerSecond => perSecond;
        public List<string> OrderIds => orderIds;
        public DateTimeOffset StartedAt => startedAt;
        public DateTimeOffset? Finished { get; private set; }
        public int Succeeded { get; private set; }
        public int FailedCount { get { lock (gate) { return failed.Count; } } }

        public void Record(string orderId, string? failure)
        {
            lock (gate)
            {
                processed++;
                if (failure is null)
                {
                    Succeeded++;
                }
                else
                {
                    failed.Add(new BulkActionFailure(orderId, failure));
                }
            }
        }

        public void Finish(DateTimeOffset at)
        {
            lock (gate)
            {
                Finished = at;
            }
        }

        public BulkActionView View()
        {
            lock (gate)
            {
                return new BulkActionView(id, action, filter, by, reason, perSecond, Finished is null ? "running" : "done", orderIds.Count, processed,
                    Succeeded, [.. failed], startedAt, Finished);
            }
        }
    }
}
