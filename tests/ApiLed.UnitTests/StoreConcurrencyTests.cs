using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.UnitTests;

/// <summary>A write behaves as if it were alone, even with several instances of a service writing one store.</summary>
public sealed class StoreConcurrencyTests
{
    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task Read_then_write_from_two_instances_at_once_loses_no_update(StoreEngine engine)
    {
        await using var store = await TestStore.CreateAsync(engine);
        StoreDatabase[] instances = [store.Open(), store.Open()];
        await instances[0].MigrateAsync([StoreSchema.Of("counter", "CREATE TABLE IF NOT EXISTS counter (id TEXT PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES ('c', 0);")],
            CancellationToken.None);

        // Each write reads the count and writes it back plus one: only a write that runs as if alone keeps every increment.
        const int PerInstance = 150;
        await Task.WhenAll(instances.SelectMany(db => Enumerable.Range(0, PerInstance).Select(_ => db.WriteAsync(async (c, tx) =>
        {
            var n = await c.ScalarAsync<long>("SELECT n FROM counter WHERE id = 'c'", tx, CancellationToken.None);
            return await c.ExecuteAsync("UPDATE counter SET n = $n WHERE id = 'c'", tx, CancellationToken.None, ("$n", n + 1));
        }, CancellationToken.None))));

        Assert.Equal(2L * PerInstance, await instances[1].ReadAsync(c => c.ScalarAsync<long>("SELECT n FROM counter", null, CancellationToken.None), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task A_write_that_fails_is_rolled_back_alone_and_its_neighbours_commit(StoreEngine engine)
    {
        await using var store = await TestStore.CreateAsync(engine);
        var database = store.Open();
        await database.MigrateAsync([StoreSchema.Of("items", "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY);")], CancellationToken.None);

        var writes = Enumerable.Range(0, 20).Select(i => database.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("INSERT INTO items VALUES ($id)", tx, CancellationToken.None, ("$id", $"i{i}"));
            if (i % 5 == 0)
            {
                await c.ExecuteAsync("INSERT INTO items VALUES ($id)", tx, CancellationToken.None, ("$id", $"i{i}")); // a duplicate key
            }

            return i;
        }, CancellationToken.None)).ToList();
        foreach (var (write, i) in writes.Select((w, i) => (w, i)))
        {
            if (i % 5 == 0)
            {
                await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => write);
            }
            else
            {
                Assert.Equal(i, await write);
            }
        }

        Assert.Equal(16L, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM items", null, CancellationToken.None), CancellationToken.None));
    }
}
