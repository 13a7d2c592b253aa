using System.Text;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;

namespace ApiLed.Messaging;

/// <summary>
/// The transactional outbox: a service writes the messages it means to send in the same SQLite transaction as
/// its state change, and <see cref="OutboxRelay"/> publishes them later. A crash can repeat a publish, never
/// lose one; consumers drop repeats by message id.
/// </summary>
public sealed class OutboxStore
{
    private readonly StoreDatabase database;
    private readonly TimeProvider time;
    private int enqueuedSinceCommit;

    public OutboxStore(StoreDatabase database, OutboxSignal signal, TimeProvider time)
    {
        this.database = database;
        this.time = time;
        database.Committed += () =>
        {
            if (Interlocked.Exchange(ref enqueuedSinceCommit, 0) == 1)
            {
                signal.Wake();
            }
        };
    }

    /// <summary>
    /// Version 1: the outbox as it was before versions were recorded (its later columns added when missing). Version 2:
    /// claims, so that several instances of a service share one outbox (<see cref="ClaimPendingAsync"/>).
    /// </summary>
    public static readonly StoreSchema Schema = new("outbox",
    [
        new StoreMigration(1, """
        CREATE TABLE IF NOT EXISTS outbox (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id     TEXT NOT NULL UNIQUE,
            exchange       TEXT NOT NULL,
            routing_key    TEXT NOT NULL,
            type           TEXT NOT NULL,
            correlation_id TEXT,
            traceparent    TEXT,
            tracestate     TEXT,
            body           TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            published_at   TEXT,
            attempts       INTEGER NOT NULL DEFAULT 0,
            last_error     TEXT,
            also_routed_to TEXT);
        CREATE INDEX IF NOT EXISTS ix_outbox_pending ON outbox (published_at, seq);
        """, [new("outbox", "also_routed_to", "TEXT"), new("outbox", "tracestate", "TEXT")]),
        new StoreMigration(2, """
            ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
            ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
            """),
    ]);

    /// <summary>This process, as the outbox claims name it (a restarted process is another claimant).</summary>
    public string Claimant { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Adds a message inside the caller's transaction; the relay is woken when it commits.</summary>
    public async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, OutboundMessage message, CancellationToken ct)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO outbox (message_id, exchange, routing_key, type, correlation_id, traceparent, tracestate, body, created_at, also_routed_to)
            VALUES ($id, $exchange, $key, $type, $correlation, $trace, $state, $body, $at, $also)
            ON CONFLICT (message_id) DO NOTHING
            """,
            transaction, ct,
            ("$id", message.MessageId), ("$exchange", message.Exchange), ("$key", message.RoutingKey), ("$type", message.Type),
            ("$correlation", CorrelationContext.Current), ("$trace", MessageEnvelope.CurrentTraceParent()),
            ("$state", MessageEnvelope.CurrentTraceState()),
            ("$body", Encoding.UTF8.GetString(SerializedJson.Utf8Of(message.Data).Span)), ("$at", time.GetUtcNow().ToStoreText()),
            ("$also", message.AlsoRoutedTo is { Count: > 0 } keys ? string.Join(' ', keys) : null));
        Interlocked.Exchange(ref enqueuedSinceCommit, 1);
    }

    public Task<List<OutboxRow>> PendingAsync(int max, CancellationToken ct) => database.ReadAsync(connection =>
        connection.QueryAsync(
            "SELECT seq, message_id, exchange, routing_key, type, correlation_id, traceparent, body, created_at, also_routed_to, tracestate FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $max",
            ReadRow, null, ct, ("$max", max)), ct);

    /// <summary>
    /// Claims up to <paramref name="max"/> unpublished rows, oldest first, for <paramref name="claimFor"/>: rows no other
    /// instance of the service holds a live claim on. Several instances then share one outbox without publishing a row
    /// twice, unless an instance dies between its publish and its mark (its claims lapse and another publishes them
    /// again: the consumers' inbox drops the repeat, as after any crash). On SQLite (one instance per file) it reads the
    /// oldest unpublished rows without claiming them.
    /// </summary>
    public async Task<List<OutboxRow>> ClaimPendingAsync(int max, TimeSpan claimFor, CancellationToken ct)
    {
        if (!database.SharedByInstances)
        {
            return await PendingAsync(max, ct); // one instance: nobody to share the rows with
        }

        var now = time.GetUtcNow();
        var rows = await database.WriteAsync((connection, transaction) => connection.QueryAsync(
            """
            UPDATE outbox SET claimed_by = $me, claimed_until = $until
            WHERE seq IN (SELECT seq FROM outbox WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < $now OR claimed_by = $me)
                          ORDER BY seq LIMIT $max)
            RETURNING seq, message_id, exchange, routing_key, type, correlation_id, traceparent, body, created_at, also_routed_to, tracestate
            """,
            ReadRow, transaction, ct, ("$me", Claimant), ("$until", (now + claimFor).ToStoreText()), ("$now", now.ToStoreText()), ("$max", max)), ct);
        rows.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return rows;
    }

    private static OutboxRow ReadRow(DbDataReader r) => new(r.GetLong(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        r.GetNullableString("correlation_id"), r.GetNullableString("traceparent"), r.GetString(7), r.GetTimestamp("created_at"),
        r.GetNullableString("also_routed_to")?.Split(' ', StringSplitOptions.RemoveEmptyEntries), r.GetNullableString("tracestate"));

    public Task<long> PendingCountAsync(CancellationToken ct) => database.ReadAsync(connection =>
        connection.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL", null, ct), ct);

    /// <summary>The rows not yet published: how many, and when the oldest was written (null when there is none).</summary>
    public Task<(long Count, DateTimeOffset? Oldest)> BacklogAsync(CancellationToken ct) => database.ReadAsync(async connection =>
    {
        var rows = await connection.QueryAsync("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE published_at IS NULL",
            r => (r.GetLong(0), r.IsDBNull(1) ? (DateTimeOffset?)null : DateTimeOffset.Parse(r.GetString(1), System.Globalization.CultureInfo.InvariantCulture)),
            null, ct);
        return rows.Count == 0 ? (0L, (DateTimeOffset?)null) : rows[0];
    }, ct);

    /// <summary>
    /// Marks rows published; one statement text whatever the batch, so it stays prepared: the sequences go as a JSON
    /// array (SQLite) or an array parameter (PostgreSQL).
    /// </summary>
    public Task MarkPublishedAsync(IReadOnlyCollection<long> sequences, CancellationToken ct) =>
        sequences.Count == 0 ? Task.CompletedTask : database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                database.Engine == StoreEngine.Postgres
                    ? "UPDATE outbox SET published_at = $at, attempts = attempts + 1 WHERE seq = ANY($sequences)"
                    : "UPDATE outbox SET published_at = $at, attempts = attempts + 1 WHERE seq IN (SELECT value FROM json_each($sequences))",
                transaction, ct, ("$at", time.GetUtcNow().ToStoreText()),
                ("$sequences", database.Engine == StoreEngine.Postgres ? sequences.ToArray() : $"[{string.Join(',', sequences)}]")), ct);

    /// <summary>Deletes rows published before <paramref name="before"/>; unpublished rows are never touched.</summary>
    public Task<int> PurgePublishedAsync(DateTimeOffset before, CancellationToken ct) => database.WriteAsync((connection, transaction) =>
        connection.ExecuteAsync("DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $before",
            transaction, ct, ("$before", before.ToStoreText())), ct);

    public Task MarkFailedAsync(long sequence, string error, CancellationToken ct) => database.WriteAsync(async (connection, transaction) =>
        await connection.ExecuteAsync("UPDATE outbox SET attempts = attempts + 1, last_error = $error WHERE seq = $seq",
            transaction, ct, ("$error", error), ("$seq", sequence)), ct);
}
