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
/// A service's SQLite store. Writes go one at a time through <see cref="WriteAsync{T}"/> (an immediate
/// transaction behind an in-process gate), so a conditional update is atomic under any concurrency.
/// </summary>
public sealed class SqliteDatabase(IOptions<StoreOptions> options) : IHealthCheck, IDisposable
{
    private readonly SemaphoreSlim writeGate = new(1, 1);

    /// <summary>Raised after every committed write (the outbox relay wakes on it).</summary>
    public event Action? Committed;
    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Value.Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = 30,
    }.ToString();

    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;", null, ct);
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

    /// <summary>Runs <paramref name="work"/> in one immediate transaction and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken ct)
    {
        await writeGate.WaitAsync(ct);
        var released = false;
        try
        {
            await using var connection = await OpenAsync(ct);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(CancellationToken.None);
            writeGate.Release();
            released = true;
            Committed?.Invoke();
            return result;
        }
        finally
        {
            if (!released)
            {
                writeGate.Release();
            }
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

    public void Dispose() => writeGate.Dispose();
}
