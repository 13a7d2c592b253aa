using System.Text.Json;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Operators' bulk actions in the process API's store, so that every instance answers for them and a bulk action
/// outlives the instance that ran it: what was asked, the sagas it selected, how far it got, each saga it could not act
/// on and why, and which instance runs it until when (a claim renewed with each saga; a lapsed one is taken over).
/// Kept for <c>Store:BookkeepingRetention</c> (<see cref="Bookkeeping"/>), as other operators' records are.
/// </summary>
public sealed class BulkActionStore(StoreDatabase database, TimeProvider time)
{
    public static readonly StoreSchema Schema = StoreSchema.Of("bulk-actions", """
        CREATE TABLE IF NOT EXISTS bulk_actions (
            id            TEXT PRIMARY KEY,
            action        TEXT NOT NULL,
            filter        TEXT NOT NULL,
            by            TEXT NOT NULL,
            reason        TEXT NOT NULL,
            per_second    INTEGER NOT NULL,
            order_ids     TEXT NOT NULL,
            total         INTEGER NOT NULL,
            processed     INTEGER NOT NULL,
            succeeded     INTEGER NOT NULL,
            started_at    TEXT NOT NULL,
            finished_at   TEXT,
            runner        TEXT NOT NULL,
            claimed_until TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_bulk_actions_started ON bulk_actions (started_at);
        CREATE TABLE IF NOT EXISTS bulk_action_failures (
            bulk_id     TEXT NOT NULL,
            order_id    TEXT NOT NULL,
            error       TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (bulk_id, order_id));
        """);

    /// <summary>The tables <see cref="StoreHousekeeping"/> prunes: bulk actions started, and failures recorded, longer ago than the retention.</summary>
    public static readonly BookkeepingTable[] Bookkeeping = [new("bulk_actions", "started_at"), new("bulk_action_failures", "recorded_at")];

    private const string Columns = "id, action, filter, by, reason, per_second, total, processed, succeeded, started_at, finished_at";

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema], ct);

    /// <summary>Records a new bulk action, claimed by <paramref name="runner"/> until <paramref name="claimedUntil"/>.</summary>
    public Task InsertAsync(BulkActionJob job, string runner, DateTimeOffset claimedUntil, CancellationToken ct) =>
        database.WriteAsync((c, tx) => c.ExecuteAsync(
            """
            INSERT INTO bulk_actions (id, action, filter, by, reason, per_second, order_ids, total, processed, succeeded, started_at, finished_at, runner, claimed_until)
            VALUES ($id, $action, $filter, $by, $reason, $perSecond, $orderIds, $total, 0, 0, $startedAt, NULL, $runner, $until)
            """,
            tx, ct, ("$id", job.Id), ("$action", job.Action), ("$filter", JsonSerializer.Serialize(job.Filter, JsonSerializerOptions.Web)),
            ("$by", job.By), ("$reason", job.Reason), ("$perSecond", job.PerSecond),
            ("$orderIds", JsonSerializer.Serialize(job.OrderIds, JsonSerializerOptions.Web)), ("$total", job.OrderIds.Count),
            ("$startedAt", job.StartedAt.ToStoreText()), ("$runner", runner), ("$until", claimedUntil.ToStoreText())), ct);

    /// <summary>
    /// Records that one more saga was acted on (with why it failed, when it did) and renews the claim; false when
    /// <paramref name="runner"/> no longer holds the bulk action (another instance took it over): the runner stops.
    /// </summary>
    public Task<bool> RecordAsync(string id, string runner, string orderId, string? failure, DateTimeOffset claimedUntil, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) =>
        {
            var held = await c.ExecuteAsync(
                """
                UPDATE bulk_actions SET processed = processed + 1, succeeded = succeeded + $ok, claimed_until = $until
                WHERE id = $id AND runner = $runner AND finished_at IS NULL
                """,
                tx, ct, ("$ok", failure is null ? 1 : 0), ("$until", claimedUntil.ToStoreText()), ("$id", id), ("$runner", runner));
            if (held == 1 && failure is not null)
            {
                await c.ExecuteAsync(
                    "INSERT INTO bulk_action_failures (bulk_id, order_id, error, recorded_at) VALUES ($id, $orderId, $error, $at) ON CONFLICT (bulk_id, order_id) DO NOTHING",
                    tx, ct, ("$id", id), ("$orderId", orderId), ("$error", failure), ("$at", time.GetUtcNow().ToStoreText()));
            }

            return held == 1;
        }, ct);

    /// <summary>Marks the bulk action done, when <paramref name="runner"/> still holds it.</summary>
    public Task FinishAsync(string id, string runner, DateTimeOffset at, CancellationToken ct) =>
        database.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE bulk_actions SET finished_at = $at WHERE id = $id AND runner = $runner AND finished_at IS NULL",
            tx, ct, ("$at", at.ToStoreText()), ("$id", id), ("$runner", runner)), ct);

    /// <summary>
    /// Takes over the unfinished bulk actions whose claim lapsed before <paramref name="now"/> (their instance died or
    /// stopped) for <paramref name="runner"/>: each is claimed only if nobody claimed it in between. Returns each with the
    /// sagas still to do.
    /// </summary>
    public async Task<List<(BulkActionJob Job, int Processed)>> TakeOverLapsedAsync(string runner, DateTimeOffset now, DateTimeOffset claimedUntil, CancellationToken ct)
    {
        // Most scans find nothing: ask first, without taking the writer.
        var any = await database.ReadAsync(c => c.ScalarAsync<long>(
            "SELECT COUNT(*) FROM bulk_actions WHERE finished_at IS NULL AND claimed_until < $now", null, ct, ("$now", now.ToStoreText())), ct);
        if (any == 0)
        {
            return [];
        }

        return await database.WriteAsync(async (c, tx) =>
        {
            var lapsed = await c.QueryAsync(
                "SELECT id, action, filter, by, reason, per_second, order_ids, processed, started_at, claimed_until FROM bulk_actions WHERE finished_at IS NULL AND claimed_until < $now",
                r => (Job: new BulkActionJob(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<SagaFilter>(r.GetString(2), JsonSerializerOptions.Web)!,
                        r.GetString(3), r.GetString(4), r.GetInt(5), JsonSerializer.Deserialize<List<string>>(r.GetString(6), JsonSerializerOptions.Web)!,
                        r.GetTimestamp("started_at")),
                    Processed: r.GetInt(7), Until: r.GetString(9)),
                tx, ct, ("$now", now.ToStoreText()));
            var taken = new List<(BulkActionJob, int)>();
            foreach (var (job, processed, until) in lapsed)
            {
                var claimed = await c.ExecuteAsync(
                    "UPDATE bulk_actions SET runner = $runner, claimed_until = $until WHERE id = $id AND claimed_until = $was AND finished_at IS NULL",
                    tx, ct, ("$runner", runner), ("$until", claimedUntil.ToStoreText()), ("$id", job.Id), ("$was", until));
                if (claimed == 1)
                {
                    taken.Add((job, processed));
                }
            }

            return taken;
        }, ct);
    }

    public async Task<BulkActionView?> FindAsync(string id, CancellationToken ct)
    {
        var views = await ReadViewsAsync("SELECT id FROM bulk_actions WHERE id = $id", ("$id", id), ct);
        return views.FirstOrDefault();
    }

    /// <summary>The newest <paramref name="limit"/> bulk actions, newest first.</summary>
    public Task<List<BulkActionView>> RecentAsync(int limit, CancellationToken ct) =>
        ReadViewsAsync("SELECT id FROM bulk_actions ORDER BY started_at DESC, id DESC LIMIT $limit", ("$limit", limit), ct);

    /// <summary>The bulk actions <paramref name="selection"/> (a query of their ids) names, newest first, each with its failures: two queries.</summary>
    private Task<List<BulkActionView>> ReadViewsAsync(string selection, (string Name, object? Value) parameter, CancellationToken ct) =>
        database.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync($"SELECT {Columns} FROM bulk_actions WHERE id IN ({selection}) ORDER BY started_at DESC, id DESC",
                r => (Id: r.GetString(0), Action: r.GetString(1), Filter: r.GetString(2), By: r.GetString(3),
                    Reason: r.GetString(4), PerSecond: r.GetInt(5), Total: r.GetInt(6), Processed: r.GetInt(7), Succeeded: r.GetInt(8),
                    StartedAt: r.GetTimestamp("started_at"), FinishedAt: r.GetNullableString("finished_at")),
                null, ct, parameter);
            var failures = (await c.QueryAsync(
                    $"SELECT bulk_id, order_id, error FROM bulk_action_failures WHERE bulk_id IN ({selection}) ORDER BY bulk_id, order_id",
                    r => (BulkId: r.GetString(0), Failure: new BulkActionFailure(r.GetString(1), r.GetString(2))), null, ct, parameter))
                .ToLookup(f => f.BulkId, f => f.Failure);
            return rows.Select(row =>
            {
                var finished = row.FinishedAt is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(row.FinishedAt, System.Globalization.CultureInfo.InvariantCulture);
                return new BulkActionView(row.Id, row.Action, JsonSerializer.Deserialize<SagaFilter>(row.Filter, JsonSerializerOptions.Web)!,
                    row.By, row.Reason, row.PerSecond, finished is null ? "running" : "done", row.Total, row.Processed, row.Succeeded,
                    [.. failures[row.Id]], row.StartedAt, finished);
            }).ToList();
        }, ct);
}
