using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>Two process API instances on one PostgreSQL store: a saga is claimed by one at a time, and a lapsed claim can be taken.</summary>
public sealed class SagaLeasesTests
{
    private static async Task<SagaLeases[]> InstancesAsync(TestStore store, TimeProvider time, int count = 2)
    {
        var instances = Enumerable.Range(0, count).Select(_ => new SagaLeases(store.Open(), Options.Create(new SagaOptions { LeaseDuration = TimeSpan.FromSeconds(15) }),
            time, NullLogger<SagaLeases>.Instance)).ToArray();
        var database = store.Open();
        await database.MigrateAsync([SagaLeases.Schema], CancellationToken.None);
        return instances;
    }

    [Fact]
    public async Task A_saga_claimed_by_one_instance_is_refused_to_another_until_released()
    {
        await using var store = await TestStore.CreateAsync(StoreEngine.Postgres);
        var time = new ManualClock(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var instances = await InstancesAsync(store, time);
        var (first, second) = (instances[0], instances[1]);

        Assert.True(await first.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.True(await first.TryAcquireAsync("ord_1", CancellationToken.None)); // its own claim again
        Assert.False(await second.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.True(await second.TryAcquireAsync("ord_2", CancellationToken.None));
        Assert.Equal(first.Owner, await second.HolderAsync("ord_1", CancellationToken.None));
        Assert.Equal(["ord_1"], await second.HeldElsewhereAsync(CancellationToken.None));

        await second.ReleaseAsync("ord_1", CancellationToken.None); // not its claim: nothing changes
        Assert.False(await second.TryAcquireAsync("ord_1", CancellationToken.None));

        await first.ReleaseAsync("ord_1", CancellationToken.None);
        Assert.True(await second.TryAcquireAsync("ord_1", CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_that_lapsed_is_taken_by_another_instance()
    {
        await using var store = await TestStore.CreateAsync(StoreEngine.Postgres);
        var time = new ManualClock(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var instances = await InstancesAsync(store, time);
        var (dead, alive) = (instances[0], instances[1]);
        Assert.True(await dead.TryAcquireAsync("ord_1", CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await alive.TryAcquireAsync("ord_1", CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await alive.HolderAsync("ord_1", CancellationToken.None));
        Assert.True(await alive.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.False(await dead.TryAcquireAsync("ord_1", CancellationToken.None));
    }

    [Fact]
    public async Task On_sqlite_one_instance_owns_the_file_and_claims_cost_nothing()
    {
        await using var store = await TestStore.CreateAsync(StoreEngine.Sqlite);
        var leases = await InstancesAsync(store, TimeProvider.System, count: 1);
        Assert.False(leases[0].Shared);
        Assert.True(await leases[0].TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.True(await leases[0].TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.Null(await leases[0].HolderAsync("ord_1", CancellationToken.None)); // nothing was written
    }
}
