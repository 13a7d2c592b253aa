using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// A service's own store, on SQLite (<see cref="SqliteDatabase"/>) or PostgreSQL (<see cref="PostgresDatabase"/>).
/// Stores write SQL once, in SQLite's dialect with <c>$name</c> parameters (<see cref="StoreCommands"/> translates it
/// for PostgreSQL), and every write goes through <see cref="WriteAsync{T}"/>: one writer per process, each write as if
/// alone (SQLite's immediate transactions; PostgreSQL's serializable ones, retried when another instance won a race),
/// so a conditional update is atomic under any concurrency, in one process or several.
/// </summary>
public abstract class StoreDatabase(TimeProvider time) : IHealthCheck, IDisposable
{
    /// <summary>The most writes committed in one transaction.</summary>
    private const int MaxGroup = 64;

    /// <summary>How many times a batch is run again after losing a race with another instance (PostgreSQL).</summary>
    private const int MaxBatchAttempts = 20;

    private readonly List<IGroupedWrite> pending = [];
    private bool committing;
    private DbConnection? writer;

    /// <summary>Raised after every committed write of this process (the outbox relay wakes on it).</summary>
    public event Action? Committed;

    public abstract StoreEngine Engine { get; }

    /// <summary>
    /// Whether several instances of a service may share this store (PostgreSQL): only then do they keep claims on what
    /// they work on (sagas, outbox rows). A SQLite file has one instance, and claims would only cost.
    /// </summary>
    public virtual bool SharedByInstances => false;

    /// <summary>Where the store is, for messages (a file path, or host and database; never a password).</summary>
    public abstract string Location { get; }

    /// <summary>A connection for reading; the caller disposes it.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await read(connection);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and returns once it is committed. Writes that arrive while one is
    /// committing are committed together (group commit): one transaction, one commit, each write inside its own
    /// savepoint, so a write that throws is rolled back alone and its caller gets the exception, while the others
    /// commit. Each write runs with its caller's execution context (correlation id, trace) and sees the writes queued
    /// before it. A batch that loses a race with another instance (PostgreSQL) is run again whole, so a write does
    /// nothing but read and write the store. A write must not call <see cref="WriteAsync{T}"/> itself.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var request = new GroupedWrite<T>(work, ExecutionContext.Capture(), ct);
        bool leader;
        lock (pending)
        {
            pending.Add(request);
            leader = !committing;
            committing = true;
        }

        if (leader)
        {
            // The writer runs on its own, in no caller's context: each write runs in its own caller's.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(CommitPendingAsync, CancellationToken.None);
            }
        }

        return await request.Completion.Task;
    }

    /// <summary>The writer's connection, opened on the first write and again after a failed one.</summary>
    protected abstract Task<DbConnection> OpenWriterAsync(CancellationToken ct);

    /// <summary>Starts a batch's transaction on the writer's connection.</summary>
    protected abstract Task<DbTransaction> BeginBatchAsync(DbConnection writer, CancellationToken ct);

    /// <summary>Whether <paramref name="error"/> says the batch lost a race and may simply be run again.</summary>
    protected virtual bool IsConflict(Exception error) => false;

    /// <summary>Closes the writer's connection (and what hangs on it).</summary>
    protected virtual ValueTask CloseWriterAsync(DbConnection writer) => writer.DisposeAsync();

    /// <summary>Commits what is pending, batch after batch, until nothing is; started by the write that found the writer idle.</summary>
    private async Task CommitPendingAsync()
    {
        while (true)
        {
            List<IGroupedWrite> batch;
            lock (pending)
            {
                if (pending.Count == 0)
                {
                    committing = false;
                    return;
                }

                batch = pending.Count <= MaxGroup ? [.. pending] : pending.GetRange(0, MaxGroup);
                pending.RemoveRange(0, batch.Count);
            }

            for (var attempt = 1; ; attempt++)
            {
                var conflict = await CommitAsync(batch, lastAttempt: attempt == MaxBatchAttempts);
                if (!conflict)
                {
                    break;
                }

                // Another instance committed first: wait a little (more each time, jittered) and run the batch again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)));
            }
        }
    }

    /// <summary>Runs and commits one batch; true when it lost a race and nobody has been answered yet (run it again).</summary>
    private async Task<bool> CommitAsync(List<IGroupedWrite> batch, bool lastAttempt)
    {
        var done = new List<IGroupedWrite>(batch.Count);
        try
        {
            writer ??= await OpenWriterAsync(CancellationToken.None);
            await using var transaction = await BeginBatchAsync(writer, CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                if (write.Cancellation.IsCancellationRequested)
                {
                    write.Cancel();
                    continue;
                }

                var savepoint = "w" + i;
                await transaction.SaveAsync(savepoint, CancellationToken.None);
                try
                {
                    await write.RunAsync(writer, transaction);
                    await transaction.ReleaseAsync(savepoint, CancellationToken.None);
                    done.Add(write);
                }
                catch (Exception ex) when (!IsConflict(ex) || lastAttempt)
                {
                    await transaction.RollbackAsync(savepoint, CancellationToken.None);
                    await transaction.ReleaseAsync(savepoint, CancellationToken.None);
                    write.Fail(ex);
                }
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The transaction (or the connection) failed: nothing of this batch is committed. A lost race runs the
            // batch again (its writes that were answered already failed alone); anything else reaches every caller.
            if (writer is not null && !IsConflict(ex))
            {
                await CloseWriterAsync(writer);
                writer = null;
            }

            if (IsConflict(ex) && !lastAttempt)
            {
                batch.RemoveAll(w => w.Answered);
                return batch.Count > 0;
            }

            foreach (var write in batch)
            {
                write.Fail(ex);
            }

            return false;
        }

        if (done.Count > 0)
        {
            Committed?.Invoke();
        }

        foreach (var write in done)
        {
            write.Succeed();
        }

        return false;
    }

    /// <summary>
    /// Brings the store to the latest version of each schema part, in one transaction: the versions a part has not
    /// seen are applied in order and recorded in <c>schema_versions</c>; several instances starting at once migrate once.
    /// </summary>
    public async Task MigrateAsync(IEnumerable<StoreSchema> schemas, CancellationToken ct)
    {
        await PrepareAsync(ct);
        var parts = schemas.ToList();
        await WriteAsync(async (c, tx) =>
        {
            await BeginMigrationAsync(c, tx, ct);
            await c.ExecuteAsync(SchemaVersionsDdl, tx, ct);
            foreach (var part in parts)
            {
                var current = await c.ScalarAsync<long?>("SELECT version FROM schema_versions WHERE component = $component", tx, ct,
                    ("$component", part.Component)) ?? 0;
                foreach (var migration in part.Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
                {
                    await c.ExecuteAsync(migration.Sql, tx, ct);
                    foreach (var repair in migration.Repairs ?? [])
                    {
                        if (!(await ColumnsAsync(c, tx, repair.Table, ct)).Contains(repair.Column, StringComparer.OrdinalIgnoreCase))
                        {
                            await c.ExecuteAsync($"ALTER TABLE {repair.Table} ADD COLUMN {repair.Column} {repair.Definition}", tx, ct);
                        }
                    }

                    await c.ExecuteAsync(
                        """
                        INSERT INTO schema_versions (component, version, applied_at) VALUES ($component, $version, $at)
                        ON CONFLICT (component) DO UPDATE SET version = $version, applied_at = $at
                        """,
                        tx, ct, ("$component", part.Component), ("$version", (long)migration.Version), ("$at", time.GetUtcNow().ToStoreText()));
                }
            }

            return true;
        }, ct);
    }

    /// <summary>The version of each schema part recorded in the store.</summary>
    public Task<Dictionary<string, int>> SchemaVersionsAsync(CancellationToken ct) => ReadAsync(async c =>
        (await c.QueryAsync("SELECT component, version FROM schema_versions", r => (r.GetString(0), Convert.ToInt32(r.GetValue(1))), null, ct))
            .ToDictionary(row => row.Item1, row => row.Item2), ct);

    /// <summary>Whether the store has <paramref name="table"/>.</summary>
    public abstract Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken ct);

    /// <summary>The column names of <paramref name="table"/>.</summary>
    protected abstract Task<List<string>> ColumnsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken ct);

    /// <summary>What must exist before the first transaction (the SQLite file's folder and journal mode).</summary>
    protected virtual Task PrepareAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// First in the migration's transaction: makes concurrent migrations of one store (several instances starting)
    /// wait for each other, and lays what the engine needs under the stores' SQL.
    /// </summary>
    protected virtual Task BeginMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var connection = await OpenAsync(ct);
            await connection.ScalarAsync<long>("SELECT 1", null, ct);
            return HealthCheckResult.Healthy($"{Engine} store at {Location}");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"{Engine} store at {Location} cannot be opened.", ex);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            writer?.Dispose();
            writer = null;
        }
    }

    private const string SchemaVersionsDdl = """
        CREATE TABLE IF NOT EXISTS schema_versions (
            component  TEXT PRIMARY KEY,
            version    INTEGER NOT NULL,
            applied_at TEXT NOT NULL);
        """;
}
