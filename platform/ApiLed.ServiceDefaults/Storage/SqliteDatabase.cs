using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// A service's SQLite store (engine <c>Sqlite</c>, the default): one file, one instance of the service. Each batch of
/// writes is an immediate transaction on the one writer connection.
/// </summary>
public sealed class SqliteDatabase(IOptions<StoreOptions> options, TimeProvider time) : StoreDatabase(time)
{
    private PreparedStatements? writerStatements;

    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Value.Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = 30,
    }.ToString();

    public override StoreEngine Engine => StoreEngine.Sqlite;

    public override string Location => options.Value.Path;

    /// <summary>A connection for reading (pooled; a busy database is retried for <c>Default Timeout</c>, 30 s).</summary>
    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await OpenSqliteAsync(ct);

    private async Task<SqliteConnection> OpenSqliteAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>
    /// The writer's connection: commits wait for the operating system, not the disk (WAL, <c>synchronous = NORMAL</c>);
    /// it keeps its statements prepared (<see cref="PreparedStatements"/>).
    /// </summary>
    protected override async Task<DbConnection> OpenWriterAsync(CancellationToken ct)
    {
        var connection = await OpenSqliteAsync(ct);
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;", null, ct);
        writerStatements = PreparedStatements.AttachTo(connection);
        return connection;
    }

    protected override Task<DbTransaction> BeginBatchAsync(DbConnection writer, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)writer).BeginTransaction(deferred: false));

    protected override ValueTask CloseWriterAsync(DbConnection writer)
    {
        writerStatements?.Dispose();
        writerStatements = null;
        return writer.DisposeAsync();
    }

    /// <summary>Creates the file's folder and turns on write-ahead logging.</summary>
    protected override async Task PrepareAsync(CancellationToken ct)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Value.Path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenSqliteAsync(ct);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", null, ct);
    }

    public override async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken ct) =>
        await connection.ScalarAsync<long?>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name", transaction, ct, ("$name", table)) is not null;

    protected override Task<List<string>> ColumnsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken ct) =>
        connection.QueryAsync("SELECT name FROM pragma_table_info($table)", r => r.GetString(0), transaction, ct, ("$table", table));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            writerStatements?.Dispose();
            writerStatements = null;
        }

        base.Dispose(disposing);
    }
}
