using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApiLed.UnitTests;

/// <summary>
/// A store of its own for one test, on either engine: a SQLite file in a temp folder, or a PostgreSQL database created
/// on the server of <c>APILED_POSTGRES_URL</c> (test.sh starts one) and dropped afterwards.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string? folder;
    private readonly string? postgresDatabase;
    private readonly List<StoreDatabase> opened = [];

    private TestStore(StoreEngine engine, string? folder, string? postgresDatabase)
    {
        Engine = engine;
        this.folder = folder;
        this.postgresDatabase = postgresDatabase;
    }

    public StoreEngine Engine { get; }

    /// <summary>The engines every store test runs on.</summary>
    public static TheoryData<StoreEngine> Engines => new() { StoreEngine.Sqlite, StoreEngine.Postgres };

    public static async Task<TestStore> CreateAsync(StoreEngine engine)
    {
        if (engine == StoreEngine.Sqlite)
        {
            return new TestStore(engine, Directory.CreateTempSubdirectory("apiled-store-").FullName, null);
        }

        var name = "apiled_u" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = await OpenServerAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", admin);
        await command.ExecuteNonQueryAsync();
        return new TestStore(engine, null, name);
    }

    public StoreOptions Options => Engine == StoreEngine.Sqlite
        ? new StoreOptions { Path = Path.Combine(folder!, "store.db") }
        : new StoreOptions
        {
            Engine = StoreEngine.Postgres,
            ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = postgresDatabase }.ConnectionString,
        };

    /// <summary>A database object on the store, as a service opens it (several may be open at once: several instances).</summary>
    public StoreDatabase Open()
    {
        StoreDatabase database = Engine == StoreEngine.Sqlite
            ? new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System)
            : new PostgresDatabase(Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System);
        opened.Add(database);
        return database;
    }

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("APILED_POSTGRES_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("The PostgreSQL store tests need a server: set APILED_POSTGRES_URL (./test.sh starts one and sets it).");

    private static async Task<NpgsqlConnection> OpenServerAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in opened)
        {
            database.Dispose();
        }

        if (folder is not null)
        {
            Directory.Delete(folder, recursive: true);
        }

        if (postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = await OpenServerAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresDatabase}\" WITH (FORCE)", admin);
            await command.ExecuteNonQueryAsync();
        }
    }
}
