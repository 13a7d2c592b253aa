using ApiLed.ProcessApi.Sagas;

namespace ApiLed.UnitTests;

/// <summary>Two process API instances on one store: a saga is claimed by one at a time, and a lapsed claim can be taken.</summary>
public sealed class SagaLeasesTests : IDisposable
{
    private readonly TempSagaStore temp = new("apiled-leases-");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_saga_claimed_by_one_instance_is_refused_to_another_until_released()
    {
        var time = new ManualClock(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var first = temp.Leases(time: time);
        var second = temp.Leases(time: time);

        Assert.True(await first.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.True(await first.TryAcquireAsync("ord_1", CancellationToken.None)); // its own claim again
        Assert.False(await second.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.True(await second.TryAcquireAsync("ord_2", CancellationToken.None));
        Assert.Equal(first.Owner, await second.HolderAsync("ord_1", CancellationToken.None));

        await second.ReleaseAsync("ord_1", CancellationToken.None); // not its claim: nothing changes
        Assert.False(await second.TryAcquireAsync("ord_1", CancellationToken.None));

        await first.ReleaseAsync("ord_1", CancellationToken.None);
        Assert.True(await second.TryAcquireAsync("ord_1", CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_that_lapsed_is_taken_by_another_instance()
    {
        var time = new ManualClock(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var options = new SagaOptions { LeaseDuration = TimeSpan.FromSeconds(15) };
        var dead = temp.Leases(options, time);
        var alive = temp.Leases(options, time);
        Assert.True(await dead.TryAcquireAsync("ord_1", CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await alive.TryAcquireAsync("ord_1", CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await alive.HolderAsync("ord_1", CancellationToken.None));
        Assert.True(await alive.TryAcquireAsync("ord_1", CancellationToken.None));
        Assert.False(await dead.TryAcquireAsync("ord_1", CancellationToken.None));
    }
}
