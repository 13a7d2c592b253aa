using ApiLed.Messaging;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.UnitTests;

/// <summary>Versioned schemas on both engines: an upgrade keeps the rows, a version runs once, instances migrate once.</summary>
public sealed class StoreSchemaTests
{
    /// <summary>The process API's store as the previous version wrote it: no recorded versions, an outbox without the later columns.</summary>
    private const string PreviousVersionStore = """
        CREATE TABLE sagas (order_id TEXT PRIMARY KEY, flow TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
            data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE saga_history (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            step TEXT, detail TEXT);
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE, exchange TEXT NOT NULL,
            routing_key TEXT NOT NULL, type TEXT NOT NULL, correlation_id TEXT, traceparent TEXT, body TEXT NOT NULL,
            created_at TEXT NOT NULL, published_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
        CREATE TABLE inbox (consumer TEXT NOT NULL, message_id TEXT NOT NULL, processed_at TEXT NOT NULL, PRIMARY KEY (consumer, message_id));
        INSERT INTO sagas VALUES ('ord_1', 'order-fulfillment', 'running', 3, '{"orderId":"ord_1"}', '2026-11-01T10:00:00.0000000Z', '2026-11-01T10:00:01.0000000Z');
        INSERT INTO saga_history (order_id, at, kind, step, detail) VALUES ('ord_1', '2026-11-01T10:00:00.0000000Z', 'saga-started', NULL, 'flow');
        INSERT INTO outbox (message_id, exchange, routing_key, type, body, created_at)
            VALUES ('m1', 'apiled.events', 'order.started', 'apiled.order.started.v2', '{}', '2026-11-01T10:00:00.0000000Z');
        INSERT INTO inbox VALUES ('process', 'c1', '2026-11-01T10:00:00.0000000Z');
        """;

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task A_store_of_the_previous_version_opens_migrated_with_its_rows(StoreEngine engine)
    {
        await using var store = await TestStore.CreateAsync(engine);
        var database = store.Open();
        await database.WriteAsync(async (c, tx) => await c.ExecuteAsync(PreviousVersionStore, tx, CancellationToken.None), CancellationToken.None);

        await database.MigrateAsync([SagaStore.Schema, OutboxStore.Schema, InboxStore.Schema], CancellationToken.None);

        var versions = await database.SchemaVersionsAsync(CancellationToken.None);
        Assert.Equal(SagaStore.Schema.Latest, versions["sagas"]);
        Assert.Equal(OutboxStore.Schema.Latest, versions["outbox"]);
        Assert.Equal(InboxStore.Schema.Latest, versions["inbox"]);

        // The old rows are all there, and the outbox's old row reads with the columns added since.
        var pending = await new OutboxStore(database, new OutboxSignal(), TimeProvider.System).PendingAsync(10, CancellationToken.None);
        var row = Assert.Single(pending);
        Assert.Equal("m1", row.MessageId);
        Assert.Null(row.TraceState);
        Assert.Null(row.AlsoRoutedTo);
        Assert.Equal(1L, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM sagas WHERE version = 3", null, CancellationToken.None), CancellationToken.None));
        Assert.Equal(1L, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM saga_history", null, CancellationToken.None), CancellationToken.None));
        Assert.Equal(1L, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM inbox", null, CancellationToken.None), CancellationToken.None));

        // New rows go on from the old ones.
        var next = await database.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("INSERT INTO saga_history (order_id, at, kind) VALUES ('ord_1', '2026-11-27T00:00:00.0000000Z', 'step-started')", tx, CancellationToken.None);
            return await c.ScalarAsync<long>("SELECT MAX(id) FROM saga_history", tx, CancellationToken.None);
        }, CancellationToken.None);
        Assert.Equal(2L, next);
    }

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task A_new_version_is_applied_once_in_order_and_keeps_the_rows(StoreEngine engine)
    {
        await using var store = await TestStore.CreateAsync(engine);
        var database = store.Open();
        StoreMigration first = new(1, "CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT NOT NULL);");
        await database.MigrateAsync([new StoreSchema("notes", [first])], CancellationToken.None);
        await database.WriteAsync(async (c, tx) => await c.ExecuteAsync("INSERT INTO notes VALUES ('n1', 'kept')", tx, CancellationToken.None), CancellationToken.None);

        StoreSchema twoVersions = new("notes",
        [
            first,
            new StoreMigration(2, "ALTER TABLE notes ADD COLUMN author TEXT; UPDATE notes SET author = 'before v2'; INSERT INTO notes VALUES ('v2', 'once', 'v2');"),
        ]);
        await database.MigrateAsync([twoVersions], CancellationToken.None);
        await database.MigrateAsync([twoVersions], CancellationToken.None); // a restart: nothing to do

        Assert.Equal(2, (await database.SchemaVersionsAsync(CancellationToken.None))["notes"]);
        var rows = await database.ReadAsync(c => c.QueryAsync("SELECT id, body, author FROM notes ORDER BY id", r => $"{r.GetString(0)}:{r.GetString(1)}:{r.GetString(2)}",
            null, CancellationToken.None), CancellationToken.None);
        Assert.Equal(["n1:kept:before v2", "v2:once:v2"], rows);
    }

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task A_failing_version_changes_nothing_and_is_tried_again_at_the_next_start(StoreEngine engine)
    {
        await using var store = await TestStore.CreateAsync(engine);
        var database = store.Open();
        StoreMigration first = new(1, "CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY);");
        await database.MigrateAsync([new StoreSchema("notes", [first])], CancellationToken.None);

        StoreSchema broken = new("notes", [first, new StoreMigration(2, "ALTER TABLE notes ADD COLUMN author TEXT; INSERT INTO no_such_table VALUES (1);")]);
        await Assert.ThrowsAnyAsync<Exception>(() => database.MigrateAsync([broken], CancellationToken.None));
        Assert.Equal(1, (await database.SchemaVersionsAsync(CancellationToken.None))["notes"]);

        StoreSchema mended = new("notes", [first, new StoreMigration(2, "ALTER TABLE notes ADD COLUMN author TEXT;")]);
        await database.MigrateAsync([mended], CancellationToken.None);
        Assert.Equal(2, (await database.SchemaVersionsAsync(CancellationToken.None))["notes"]);
    }

    [Fact]
    public async Task Instances_starting_at_once_on_one_postgres_database_migrate_it_once()
    {
        await using var store = await TestStore.CreateAsync(StoreEngine.Postgres);
        StoreSchema schema = new("notes",
        [
            new StoreMigration(1, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);"),
            new StoreMigration(2, "INSERT INTO notes (body) VALUES ('written by version 2');"),
        ]);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.Open().MigrateAsync([schema], CancellationToken.None)));

        var database = store.Open();
        Assert.Equal(1L, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM notes", null, CancellationToken.None), CancellationToken.None));
        Assert.Equal(2, (await database.SchemaVersionsAsync(CancellationToken.None))["notes"]);
    }
}
