using ApiLed.Messaging;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>A saga store on a real SQLite file in a temp folder of its own, initialised, and deleted with the folder.</summary>
internal sealed class TempSagaStore : IDisposable
{
    private readonly string folder;
    private readonly SqliteDatabase database;

    public TempSagaStore(string prefix)
    {
        folder = Directory.CreateTempSubdirectory(prefix).FullName;
        database = new SqliteDatabase(Options.Create(new StoreOptions { Path = Path.Combine(folder, "process.db") }), TimeProvider.System);
        Outbox = new OutboxStore(database, new OutboxSignal(), TimeProvider.System);
        Store = new SagaStore(database, Outbox, TimeProvider.System, NullLogger<SagaStore>.Instance);
        Store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public SagaStore Store { get; }

    /// <summary>The outbox the store records the saga's events in.</summary>
    public OutboxStore Outbox { get; }

    /// <summary>The saga claims of the process API on this store (a SQLite file: its one instance owns every saga).</summary>
    public SagaLeases Leases() => new(database, Options.Create(new SagaOptions()), TimeProvider.System, NullLogger<SagaLeases>.Instance);

    public void Dispose()
    {
        database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
