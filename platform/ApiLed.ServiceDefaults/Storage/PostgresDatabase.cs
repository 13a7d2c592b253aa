using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// A service's PostgreSQL store (engine <c>Postgres</c>): several instances of the service may share it. Each batch of
/// writes is a serializable transaction on the instance's writer connection, so a write behaves as if it were alone
/// across every instance; a batch that loses a race with another instance is run again. Reads use the pool.
/// Frequent statements are prepared by Npgsql (<c>Max Auto Prepare</c>).
/// </summary>
public sealed class PostgresDatabase : StoreDatabase
{
    /// <summary>A number of our own for the advisory lock that makes concurrent migrations of one database wait.</summary>
    private const long MigrationLock = 0x41_70_69_4C_65_64; // "ApiLed"

    private readonly NpgsqlDataSource dataSource;
    private readonly string location;

    public PostgresDatabase(IOptions<StoreOptions> options, TimeProvider time) : base(time)
    {
        // Npgsql bounds connecting (Timeout, 15 s) and every command (Command Timeout, 30 s) unless the string says otherwise.
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }

        location = $"{builder.Host}:{builder.Port}/{builder.Database}";
        dataSource = NpgsqlDataSource.Create(builder);
    }

    public override StoreEngine Engine => StoreEngine.Postgres;

    public override bool SharedByInstances => true;

    public override string Location => location;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);

    protected override async Task<DbConnection> OpenWriterAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);

    protected override async Task<DbTransaction> BeginBatchAsync(DbConnection writer, CancellationToken ct) =>
        await ((NpgsqlConnection)writer).BeginTransactionAsync(IsolationLevel.Serializable, ct);

    /// <summary>A serialization failure or a deadlock: another instance's transaction won, and running again is safe.</summary>
    protected override bool IsConflict(Exception error) =>
        error is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    /// <summary>
    /// An advisory lock (instances starting together migrate one after the other), then SQLite's <c>julianday</c>, which
    /// the stores compare timestamps with, so that their SQL means the same here.
    /// </summary>
    protected override async Task BeginMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({MigrationLock})", transaction, ct);
        await connection.ExecuteAsync(
            """
            CREATE OR REPLACE FUNCTION julianday(value text) RETURNS double precision
            LANGUAGE sql STABLE STRICT AS 'SELECT extract(epoch FROM value::timestamptz) / 86400.0 + 2440587.5'
            """, transaction, ct);
    }

    public override async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken ct) =>
        await connection.ScalarAsync<long?>("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $name",
            transaction, ct, ("$name", table)) is not null;

    protected override Task<List<string>> ColumnsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken ct) =>
        connection.QueryAsync("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $table",
            r => r.GetString(0), transaction, ct, ("$table", table));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            dataSource.Dispose();
        }
    }
}
