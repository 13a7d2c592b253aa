using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>Settings of a service's own SQLite store (section <c>Store</c>).</summary>
public sealed record StoreOptions
{
    public const string Section = "Store";

    /// <summary>Path of the SQLite file; its folder is created when missing.</summary>
    [Required]
    public string Path { get; init; } = "";

    /// <summary>How long stored idempotent answers and handled message ids are kept.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan BookkeepingRetention { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>
/// A service's SQLite store. Writes go through <see cref="WriteAsync{T}"/>: one writer at a time, each write in an
/// immediate transaction (grouped with the writes that queued meanwhile), so a conditional update is atomic under any
/// concurrency.
/// </summary>
public sealed class SqliteDatabase(IOptions<StoreOptions> options) : IHealthCheck, IDisposable
{
    /// <summary>The most writes committed in one transaction.</summary>
    private const int MaxGroup = 64;

    private readonly List<IGroupedWrite> pending = [];
    private bool committing;
    private SqliteConnection? writer;
    private PreparedStatements? writerStatements;

    /// <summary>Raised after every committed write (the outbox relay wakes on it).</summary>
    public event Action? Committed;
    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Value.Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>A connection for reading (pooled; a busy database is retried for <c>Default Timeout</c>, 30 s).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>
    /// The writer's connection: commits wait for the operating system, not the disk (WAL, <c>synchronous = NORMAL</c>);
    /// it keeps its statements prepared (<see cref="PreparedStatements"/>).
    /// </summary>
    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken ct)
    {
        var connection = await OpenAsync(ct);
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;", null, ct);
        writerStatements = PreparedStatements.AttachTo(connection);
        return connection;
    }

    /// <summary>Creates the folder and the schema (idempotent DDL) and turns on write-ahead logging.</summary>
    public async Task MigrateAsync(string schema, CancellationToken ct)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Value.Path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenAsync(ct);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", null, ct);
        await connection.ExecuteAsync(schema, null, ct);
    }

    /// <summary>Adds <paramref name="column"/> to <paramref name="table"/> when a store created by an earlier version lacks it.</summary>
    public Task AddColumnIfMissingAsync(string table, string column, string definition, CancellationToken ct) => WriteAsync(async (c, tx) =>
    {
        var columns = await c.QueryAsync($"SELECT name FROM pragma_table_info('{table}')", r => r.GetString(0), tx, ct);
        if (!columns.Contains(column))
        {
            await c.ExecuteAsync($"ALTER TABLE {table} ADD COLUMN {column} {definition}", tx, ct);
        }

        return true;
    }, ct);

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await read(connection);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in an immediate transaction and returns once it is committed. Writes that arrive
    /// while one is committing are committed together (group commit): one transaction, one commit, each write inside its
    /// own savepoint, so a write that throws is rolled back alone and its caller gets the exception, while the others
    /// commit. Each write runs with its caller's execution context (correlation id, trace) and sees the writes queued
    /// before it. A write must not call <see cref="WriteAsync{T}"/> itself.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken ct)
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

            await CommitAsync(batch);
        }
    }

    private async Task CommitAsync(List<IGroupedWrite> batch)
    {
        var done = new List<IGroupedWrite>(batch.Count);
        try
        {
            writer ??= await OpenWriterAsync(CancellationToken.None);
            await using var transaction = writer.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                if (write.Cancellation.IsCancellationRequested)
                {
                    write.Cancel();
                    continue;
                }

                var savepoint = "w" + i;
                transaction.Save(savepoint);
                try
                {
                    await write.RunAsync(writer, transaction);
                    transaction.Release(savepoint);
                    done.Add(write);
                }
                catch (Exception ex)
                {
                    transaction.Rollback(savepoint);
                    transaction.Release(savepoint);
                    write.Fail(ex);
                }
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The transaction (or the connection) failed: nothing of this batch is committed, and every caller hears so.
            foreach (var write in batch)
            {
                write.Fail(ex);
            }

            if (writer is not null)
            {
                writerStatements?.Dispose();
                await writer.DisposeAsync();
                writer = null;
            }

            return;
        }

        if (done.Count > 0)
        {
            Committed?.Invoke();
        }

        foreach (var write in done)
        {
            write.Succeed();
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var connection = await OpenAsync(ct);
            await connection.ScalarAsync<long>("SELECT 1", null, ct);
            return HealthCheckResult.Healthy($"SQLite store at {options.Value.Path}");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"SQLite store at {options.Value.Path} cannot be opened.", ex);
        }
    }

    public void Dispose()
    {
        writerStatements?.Dispose();
        writer?.Dispose();
    }
}
