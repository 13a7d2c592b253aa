using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>A saga changed by someone else since it was read (a second runner of the same saga).</summary>
public sealed class SagaConcurrencyException(string orderId, int version)
    : Exception($"Saga {orderId} changed since version {version}.");

/// <summary>
/// Saga persistence. Every transition is one transaction holding the new state (optimistic on its version),
/// its history lines and the events it publishes (outbox), so what was done, what is known and what is told
/// never disagree, even across a crash.
/// </summary>
public sealed partial class SagaStore(StoreDatabase database, OutboxStore outbox, TimeProvider time, ILogger<SagaStore> logger)
{
    public static readonly StoreSchema Schema = StoreSchema.Of("sagas", """
        CREATE TABLE IF NOT EXISTS sagas (
            order_id   TEXT PRIMARY KEY,
            flow       TEXT NOT NULL,
            status     TEXT NOT NULL,
            version    INTEGER NOT NULL,
            data       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_sagas_status ON sagas (status);
        CREATE TABLE IF NOT EXISTS saga_history (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id TEXT NOT NULL,
            at       TEXT NOT NULL,
            kind     TEXT NOT NULL,
            step     TEXT,
            detail   TEXT);
        CREATE INDEX IF NOT EXISTS ix_saga_history_order ON saga_history (order_id, id);
        CREATE TABLE IF NOT EXISTS saga_cancellations (
            order_id     TEXT PRIMARY KEY,
            requested_at TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            reason       TEXT);
        CREATE TABLE IF NOT EXISTS saga_early_callbacks (
            order_id  TEXT NOT NULL,
            step      TEXT NOT NULL,
            succeeded INTEGER NOT NULL,
            detail    TEXT,
            at        TEXT NOT NULL,
            PRIMARY KEY (order_id, step));
        """);

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema, SagaLeases.Schema, OutboxStore.Schema, InboxStore.Schema], ct);

    /// <summary>Creates the saga of an order, or returns the one that exists (a repeated command).</summary>
    public async Task<(SagaState Saga, bool Created)> StartAsync(SagaState fresh, IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        var started = await database.WriteAsync<(SagaState Saga, bool Created)>(async (c, tx) =>
        {
            if (await FindAsync(c, tx, fresh.OrderId, ct) is { } existing)
            {
                return (existing, false);
            }

            var cancelled = await c.QuerySingleOrDefaultAsync("SELECT requested_at, requested_by, reason FROM saga_cancellations WHERE order_id = $id",
                r => new OrderCancellation(r.GetTimestamp("requested_at"), r.GetString(1), r.GetNullableString("reason")), tx, ct, ("$id", fresh.OrderId));
            var lines = new List<SagaHistoryEntry>
            {
                new(fresh.CreatedAt, "saga-started", null, $"flow {fresh.Flow} ({fresh.Definition.Mode}): {string.Join(" → ", fresh.Steps.Select(s => s.Name))}"),
            };
            if (cancelled is not null)
            {
                // Cancelled before its command arrived: the saga starts cancelled, nothing was done, and the partner is told.
                foreach (var transition in new[] { SagaTransitions.Cancel(fresh, cancelled), SagaTransitions.Finish(fresh, SagaStatuses.Cancelled) })
                {
                    lines.Add(new SagaHistoryEntry(fresh.CreatedAt, transition.Kind, transition.Step, transition.Detail));
                }

                messages = [SagaTransitions.Event(fresh, OrderEvents.Cancelled, 1)];
            }

            fresh.Version = 1;
            await c.ExecuteAsync(
                "INSERT INTO sagas (order_id, flow, status, version, data, created_at, updated_at) VALUES ($id, $flow, $status, 1, $data, $at, $at)",
                tx, ct, ("$id", fresh.OrderId), ("$flow", fresh.Flow), ("$status", fresh.Status),
                ("$data", JsonSerializer.Serialize(fresh, JsonSerializerOptions.Web)), ("$at", fresh.UpdatedAt.ToStoreText()));
            foreach (var line in lines)
            {
                await AppendHistoryAsync(c, tx, fresh.OrderId, line, ct);
            }

            foreach (var message in messages)
            {
                await EnqueueOwnEventAsync(c, tx, message, ct);
            }

            return (fresh, true);
        }, ct);
        if (started.Created)
        {
            SagaMetrics.Start(started.Saga);
            SagaMetrics.Finish(started.Saga); // counts one cancelled before it started
        }

        return started;
    }

    /// <summary>
    /// Records a transition of <paramref name="saga"/> (already applied to it by <see cref="SagaTransitions"/>): the new
    /// state, raised by the transition's version step and optimistic on the version read (failing with
    /// <see cref="SagaConcurrencyException"/> if another writer got there first), its history line and the events it
    /// publishes, in one transaction. Every change the process API makes to a saga is recorded here.
    /// </summary>
    public Task RecordAsync(SagaState saga, SagaTransition transition, CancellationToken ct) =>
        RecordAsync(new SagaChangeSet(saga, time).Add(transition), ct);

    /// <summary>Records the transitions of <paramref name="changes"/> in one transaction, as <see cref="RecordAsync(SagaState, SagaTransition, CancellationToken)"/> does one.</summary>
    public async Task RecordAsync(SagaChangeSet changes, CancellationToken ct)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        var saga = changes.Saga;
        using var joined = SagaSpans.Join(saga, "saga change"); // a change made outside the order's trace: its events still join it
        var expected = changes.ExpectedVersion;
        foreach (var (transition, _, version) in changes.Transitions)
        {
            LogTransition(logger, saga.OrderId, version, transition.Kind, transition.Step, transition.Detail);
        }

        await database.WriteAsync(async (c, tx) =>
        {
            saga.Version = changes.Version;
            var updated = await c.ExecuteAsync(
                "UPDATE sagas SET status = $status, version = $version, data = $data, updated_at = $at WHERE order_id = $id AND version = $expected",
                tx, ct, ("$id", saga.OrderId), ("$status", saga.Status), ("$version", changes.Version), ("$expected", expected),
                ("$data", JsonSerializer.Serialize(saga, JsonSerializerOptions.Web)), ("$at", saga.UpdatedAt.ToStoreText()));
            if (updated != 1)
            {
                saga.Version = expected;
                throw new SagaConcurrencyException(saga.OrderId, expected);
            }

            foreach (var (transition, at, _) in changes.Transitions)
            {
                await AppendHistoryAsync(c, tx, saga.OrderId, new SagaHistoryEntry(at, transition.Kind, transition.Step, transition.Detail), ct);
            }

            foreach (var message in changes.Messages)
            {
                await EnqueueOwnEventAsync(c, tx, message, ct);
            }

            return 0;
        }, ct);
        if (changes.Ended)
        {
            SagaMetrics.Finish(saga);
        }
    }

    /// <summary>Puts an event the process API made in the outbox, routed as <see cref="ChoreographyQueues.ForProcessApiEvent"/> says.</summary>
    private Task EnqueueOwnEventAsync(DbConnection c, DbTransaction tx, OutboundMessage message, CancellationToken ct) =>
        outbox.EnqueueAsync(c, tx, message with { AlsoRoutedTo = ChoreographyQueues.ForProcessApiEvent(message.AlsoRoutedTo) }, ct);

    /// <summary>
    /// Takes a choreographed saga's state from an event when it is newer than the one held (events may repeat or
    /// cross), with its history lines (an event naming earlier ones of its batch has one for each). False when the event
    /// was not newer.
    /// </summary>
    public Task<bool> MirrorAsync(SagaState saga, IReadOnlyList<SagaHistoryEntry> lines, CancellationToken ct) => database.WriteAsync(async (c, tx) =>
    {
        var data = JsonSerializer.Serialize(saga, JsonSerializerOptions.Web);
        var changed = await c.ExecuteAsync(
            "UPDATE sagas SET status = $status, version = $version, data = $data, updated_at = $at WHERE order_id = $id AND version < $version",
            tx, ct, ("$id", saga.OrderId), ("$status", saga.Status), ("$version", saga.Version), ("$data", data), ("$at", saga.UpdatedAt.ToStoreText()));
        if (changed == 0 && await c.ScalarAsync<long?>("SELECT 1 FROM sagas WHERE order_id = $id", tx, ct, ("$id", saga.OrderId)) is null)
        {
            changed = await c.ExecuteAsync(
                "INSERT INTO sagas (order_id, flow, status, version, data, created_at, updated_at) VALUES ($id, $flow, $status, $version, $data, $created, $at)",
                tx, ct, ("$id", saga.OrderId), ("$flow", saga.Flow), ("$status", saga.Status), ("$version", saga.Version), ("$data", data),
                ("$created", saga.CreatedAt.ToStoreText()), ("$at", saga.UpdatedAt.ToStoreText()));
        }

        if (changed == 1)
        {
            foreach (var line in lines)
            {
                await AppendHistoryAsync(c, tx, saga.OrderId, line, ct);
            }
        }

        return changed == 1;
    }, ct);

    /// <summary>
    /// Records the cancellation of an order whose saga has not started (its command is still on its way): the saga then
    /// starts cancelled. False, recording nothing, when the saga exists by now (cancel it as a saga instead).
    /// </summary>
    public Task<bool> CancelBeforeStartAsync(string orderId, OrderCancellation cancellation, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) =>
        {
            if (await c.ScalarAsync<long?>("SELECT 1 FROM sagas WHERE order_id = $id", tx, ct, ("$id", orderId)) is not null)
            {
                return false;
            }

            await c.ExecuteAsync(
                "INSERT INTO saga_cancellations (order_id, requested_at, requested_by, reason) VALUES ($id, $at, $by, $reason) ON CONFLICT (order_id) DO NOTHING",
                tx, ct, ("$id", orderId), ("$at", cancellation.At.ToStoreText()), ("$by", cancellation.By), ("$reason", cancellation.Reason));
            return true;
        }, ct);

    /// <summary>
    /// Keeps a callback that came before its step was seen waiting (the external system answered faster than the step's
    /// outcome was recorded, or than choreography's events reached the process API); the first one of a step wins.
    /// </summary>
    public Task HoldEarlyCallbackAsync(string orderId, string step, EarlyCallback callback, CancellationToken ct) =>
        database.WriteAsync((c, tx) => c.ExecuteAsync(
            "INSERT INTO saga_early_callbacks (order_id, step, succeeded, detail, at) VALUES ($id, $step, $ok, $detail, $at) ON CONFLICT DO NOTHING",
            tx, ct, ("$id", orderId), ("$step", step), ("$ok", callback.Succeeded ? 1 : 0), ("$detail", callback.Detail), ("$at", callback.At.ToStoreText())), ct);

    /// <summary>The callback held for <paramref name="step"/> of the order, if one came early.</summary>
    public Task<EarlyCallback?> EarlyCallbackAsync(string orderId, string step, CancellationToken ct) => database.ReadAsync(c =>
        c.QuerySingleOrDefaultAsync("SELECT succeeded, detail, at FROM saga_early_callbacks WHERE order_id = $id AND step = $step",
            r => new EarlyCallback(r.GetLong(0) == 1, r.GetNullableString("detail"), r.GetTimestamp("at")), null, ct, ("$id", orderId), ("$step", step)), ct);

    public Task<SagaState?> FindAsync(string orderId, CancellationToken ct) => database.ReadAsync(c => FindAsync(c, null, orderId, ct), ct);

    /// <summary>Running sagas waiting on a timer or an approval (the caller keeps the approvals).</summary>
    public Task<List<SagaState>> WaitingAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync("SELECT data FROM sagas WHERE status = $running AND json_extract(data, '$.waitingUntil') IS NOT NULL ORDER BY created_at",
            Read, null, ct, ("$running", SagaStatuses.Running)), ct);

    public Task<List<SagaState>> ListAsync(string? status, int limit, CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync("SELECT data FROM sagas WHERE ($status IS NULL OR status = $status) ORDER BY created_at DESC LIMIT $limit",
            Read, null, ct, ("$status", status), ("$limit", limit)), ct);

    /// <summary>
    /// Sagas matching every given filter (null = any), newest first, at most <paramref name="limit"/>, after the one
    /// <paramref name="after"/> names (keyset paging on start time and order id, so a page never repeats or skips a
    /// saga while new ones start). The partner, customer, correlation id, mode and failed step are read from the
    /// saga's JSON (a scan of the matching rows; status, flow and time use the columns).
    /// </summary>
    public Task<List<SagaState>> SearchAsync(SagaFilter filter, (DateTimeOffset CreatedAt, string OrderId)? after, int limit, CancellationToken ct) =>
        SearchAsync("data", Read, filter, after, limit, ct);

    /// <summary>The order ids <see cref="SearchAsync(SagaFilter, ValueTuple{DateTimeOffset, string}?, int, CancellationToken)"/> would return, with each saga's start, without reading the sagas.</summary>
    public Task<List<(string OrderId, DateTimeOffset CreatedAt)>> SearchIdsAsync(SagaFilter filter, (DateTimeOffset CreatedAt, string OrderId)? after, int limit,
        CancellationToken ct) =>
        SearchAsync("order_id, created_at", r => (r.GetString(0), r.GetTimestamp("created_at")), filter, after, limit, ct);

    private Task<List<T>> SearchAsync<T>(string columns, Func<DbDataReader, T> read, SagaFilter filter,
        (DateTimeOffset CreatedAt, string OrderId)? after, int limit, CancellationToken ct) =>
        database.ReadAsync(c => c.QueryAsync(
            $"""
            SELECT {columns} FROM sagas
            WHERE ($status IS NULL OR status = $status) AND ($flow IS NULL OR flow = $flow)
              AND ($order IS NULL OR order_id = $order OR substr(order_id, 1, length($order)) = $order)
              AND ($partner IS NULL OR json_extract(data, '$.order.partnerId') = $partner)
              AND ($customer IS NULL OR json_extract(data, '$.order.customerId') = $customer)
              AND ($correlation IS NULL OR json_extract(data, '$.correlationId') = $correlation)
              AND ($mode IS NULL OR json_extract(data, '$.definition.mode') = $mode)
              AND ($failed IS NULL OR json_extract(data, '$.failedStep') = $failed)
              AND ($from IS NULL OR created_at >= $from) AND ($to IS NULL OR created_at < $to)
              AND ($afterAt IS NULL OR created_at < $afterAt OR (created_at = $afterAt AND order_id < $afterId))
            ORDER BY created_at DESC, order_id DESC LIMIT $limit
            """, read, null, ct,
            ("$status", filter.Status), ("$flow", filter.Flow), ("$order", filter.OrderId), ("$partner", filter.Partner),
            ("$customer", filter.Customer), ("$correlation", filter.CorrelationId), ("$mode", filter.Mode), ("$failed", filter.FailedStep),
            ("$from", filter.From?.ToStoreText()), ("$to", filter.To?.ToStoreText()),
            ("$afterAt", after?.CreatedAt.ToStoreText()), ("$afterId", after?.OrderId), ("$limit", limit)), ct);

    /// <summary>Per minute since <paramref name="since"/> and per mode: sagas started, and sagas last changed by status (a terminal status is when it ended).</summary>
    public Task<List<(string Minute, string Mode, string What, int Count)>> PerMinuteAsync(DateTimeOffset since, CancellationToken ct) =>
        database.ReadAsync(c => c.QueryAsync(
            """
            SELECT substr(created_at, 1, 16), json_extract(data, '$.definition.mode'), 'started', COUNT(*) FROM sagas
              WHERE created_at >= $since GROUP BY 1, 2
            UNION ALL
            SELECT substr(updated_at, 1, 16), json_extract(data, '$.definition.mode'), status, COUNT(*) FROM sagas
              WHERE updated_at >= $since AND status IN ($completed, $failed, $cancelled, $parked) GROUP BY 1, 2, 3
            """,
            r => (r.GetString(0), r.IsDBNull(1) ? "unknown" : r.GetString(1), r.GetString(2), r.GetInt(3)), null, ct,
            ("$since", since.ToStoreText()), ("$completed", SagaStatuses.Completed), ("$failed", SagaStatuses.Failed),
            ("$cancelled", SagaStatuses.Cancelled), ("$parked", SagaStatuses.NeedsAttention)), ct);

    /// <summary>
    /// Sagas not yet in a terminal state that the recovery scan must look at: every one the process API drives (to
    /// resume after a restart), and the choreographed ones unchanged since <paramref name="choreographedBefore"/> or whose timer or approval deadline is due
    /// by <paramref name="now"/> (a wait not yet due is left in the store). A
    /// choreographed saga that changed since cannot have stalled yet, and during a burst there are thousands of them:
    /// they are left in the store (SQLite reads the mode from the JSON) instead of being read into memory every scan.
    /// </summary>
    public Task<List<SagaState>> UnfinishedAsync(DateTimeOffset choreographedBefore, DateTimeOffset now, CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync(
            """
            SELECT data FROM sagas WHERE status IN ($running, $compensating)
              AND (updated_at < $before OR json_extract(data, '$.definition.mode') IS DISTINCT FROM $choreography
                   OR CAST(json_extract(data, '$.takenOver') AS TEXT) IN ('1', 'true')
                   OR json_extract(data, '$.waitingUntil') IS NOT NULL)
              AND (json_extract(data, '$.waitingUntil') IS NULL OR julianday(json_extract(data, '$.waitingUntil')) <= julianday($now))
            ORDER BY created_at
            """, Read, null, ct,
            ("$running", SagaStatuses.Running), ("$compensating", SagaStatuses.Compensating), ("$before", choreographedBefore.ToStoreText()),
            ("$choreography", FlowModes.Choreography), ("$now", now.ToString("O", System.Globalization.CultureInfo.InvariantCulture))), ct);

    public Task<List<SagaHistoryEntry>> HistoryAsync(string orderId, CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync("SELECT at, kind, step, detail FROM saga_history WHERE order_id = $id ORDER BY id",
            r => new SagaHistoryEntry(r.GetTimestamp("at"), r.GetString(1), r.GetNullableString("step"), r.GetNullableString("detail")),
            null, ct, ("$id", orderId)), ct);

    private static Task<SagaState?> FindAsync(DbConnection c, DbTransaction? tx, string orderId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync("SELECT data FROM sagas WHERE order_id = $id", Read, tx, ct, ("$id", orderId));

    private static SagaState Read(DbDataReader r) =>
        JsonSerializer.Deserialize<SagaState>(r.GetString(0), JsonSerializerOptions.Web) ?? throw new InvalidDataException("Empty saga row.");

    private static Task AppendHistoryAsync(DbConnection c, DbTransaction tx, string orderId, SagaHistoryEntry entry, CancellationToken ct) =>
        c.ExecuteAsync("INSERT INTO saga_history (order_id, at, kind, step, detail) VALUES ($id, $at, $kind, $step, $detail)",
            tx, ct, ("$id", orderId), ("$at", entry.At.ToStoreText()), ("$kind", entry.Kind), ("$step", entry.Step), ("$detail", entry.Detail));

    [LoggerMessage(Level = LogLevel.Information, Message = "Saga {OrderId} v{Version}: {Kind} {Step} {Detail}")]
    private static partial void LogTransition(ILogger logger, string orderId, int version, string kind, string? step, string? detail);
}
