using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

public sealed class StoreHousekeepingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-housekeeping-").FullName;

    [Fact]
    public async Task Old_bookkeeping_rows_are_purged_and_recent_ones_kept()
    {
        using var database = Database("with-both.db");
        await database.MigrateAsync([IdempotentRequests.Schema, InboxStore.Schema], CancellationToken.None);
        var inbox = new InboxStore(database, TimeProvider.System);
        await inbox.RecordAsync("participant", "recent", CancellationToken.None);
        await database.WriteAsync((c, tx) => c.ExecuteAsync(
            """
            INSERT INTO inbox (consumer, message_id, processed_at) VALUES ('participant', 'old', '2020-01-01T00:00:00.0000000Z');
            INSERT INTO idempotency_keys (scope_key, request_hash, status_code, content_type, body, created_at)
            VALUES ('charge|old', 'h', 201, 'application/json', '{}', '2020-01-01T00:00:00.0000000Z');
            """, tx, CancellationToken.None), CancellationToken.None);

        var purged = await Housekeeping(database).PurgeAsync(DateTimeOffset.UtcNow.AddDays(-30), CancellationToken.None);

        Assert.Equal(2, purged);
        Assert.True(await inbox.SeenAsync("participant", "recent", CancellationToken.None));
        Assert.False(await inbox.SeenAsync("participant", "old", CancellationToken.None));
    }

    [Fact]
    public async Task A_table_a_service_registers_is_purged_too()
    {
        using var database = Database("registered.db");
        await database.MigrateAsync([IdempotentRequests.Schema, StoreSchema.Of("held", "CREATE TABLE held (id TEXT, at TEXT NOT NULL);")], CancellationToken.None);
        await database.WriteAsync((c, tx) => c.ExecuteAsync(
            $"INSERT INTO held (id, at) VALUES ('old', '2020-01-01T00:00:00.0000000Z'), ('recent', '{DateTimeOffset.UtcNow.ToStoreText()}');",
            tx, CancellationToken.None), CancellationToken.None);
        var housekeeping = new StoreHousekeeping(database, Options.Create(new StoreOptions()), TimeProvider.System,
            NullLogger<StoreHousekeeping>.Instance, [new BookkeepingTable("held", "at")]);

        Assert.Equal(1, await housekeeping.PurgeAsync(DateTimeOffset.UtcNow.AddDays(-30), CancellationToken.None));
        Assert.Equal("recent", await database.ReadAsync(c => c.ScalarAsync<string>("SELECT id FROM held", null, CancellationToken.None), CancellationToken.None));
    }

    [Fact]
    public async Task A_store_without_an_inbox_is_purged_without_error()
    {
        using var database = Database("idempotency-only.db");
        await database.MigrateAsync([IdempotentRequests.Schema], CancellationToken.None);
        Assert.Equal(0, await Housekeeping(database).PurgeAsync(DateTimeOffset.UtcNow, CancellationToken.None));
    }

    private SqliteDatabase Database(string name) => new(Options.Create(new StoreOptions { Path = Path.Combine(folder, name) }), TimeProvider.System);

    private static StoreHousekeeping Housekeeping(SqliteDatabase database) => new(database, Options.Create(new StoreOptions()),
        TimeProvider.System, NullLogger<StoreHousekeeping>.Instance);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
