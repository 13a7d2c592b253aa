using ApiLed.ProcessApi.Apis;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>
/// Bulk actions in the store, on both engines: progress is recorded only by the instance that holds the bulk action, a
/// lapsed claim is taken over once (by one of two instances scanning at the same time) with the sagas still to do, and
/// a saga's failure is listed once.
/// </summary>
public sealed class BulkActionStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    private static BulkActionJob Job(string id) =>
        new(id, "cancel", new SagaFilter(Customer: "cust-1"), "ops-ann", "partner asked", 2, ["ord_1", "ord_2", "ord_3"], Start);

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task Only_the_holder_records_progress_and_a_lapsed_claim_is_taken_over_once_from_where_it_was(StoreEngine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var first = new BulkActionStore(test.Open(), TimeProvider.System);
        var second = new BulkActionStore(test.Open(), TimeProvider.System);
        await first.InitializeAsync(CancellationToken.None);
        await first.InsertAsync(Job("bulk-1"), "instance-a", Start.AddSeconds(15), CancellationToken.None);

        Assert.True(await first.RecordAsync("bulk-1", "instance-a", "ord_1", null, Start.AddSeconds(16), CancellationToken.None));
        Assert.True(await first.RecordAsync("bulk-1", "instance-a", "ord_2", "409 cancel-too-late: done", Start.AddSeconds(17), CancellationToken.None));
        Assert.False(await second.RecordAsync("bulk-1", "instance-b", "ord_3", null, Start.AddSeconds(17), CancellationToken.None)); // not its own

        // Before the claim lapses nobody takes it; after, one of two scanning instances does, with the third saga to do.
        Assert.Empty(await second.TakeOverLapsedAsync("instance-b", Start.AddSeconds(16), Start.AddSeconds(31), CancellationToken.None));
        var scans = await Task.WhenAll(
            second.TakeOverLapsedAsync("instance-b", Start.AddSeconds(20), Start.AddSeconds(35), CancellationToken.None),
            first.TakeOverLapsedAsync("instance-c", Start.AddSeconds(20), Start.AddSeconds(35), CancellationToken.None));
        var (job, processed) = Assert.Single(scans.SelectMany(s => s));
        Assert.Equal(2, processed);
        Assert.Equal(["ord_1", "ord_2", "ord_3"], job.OrderIds);
        Assert.Equal("cust-1", job.Filter.Customer);
        var taker = scans[0].Count == 1 ? "instance-b" : "instance-c";

        // The instance it was taken from can no longer write; the taker finishes it.
        Assert.False(await first.RecordAsync("bulk-1", "instance-a", "ord_3", null, Start.AddSeconds(21), CancellationToken.None));
        Assert.True(await second.RecordAsync("bulk-1", taker, "ord_3", "409 cancel-too-late: done", Start.AddSeconds(21), CancellationToken.None));
        await second.FinishAsync("bulk-1", taker, Start.AddSeconds(22), CancellationToken.None);

        var view = await first.FindAsync("bulk-1", CancellationToken.None);
        Assert.NotNull(view);
        Assert.Equal(("done", 3, 3, 1), (view.Status, view.Total, view.Processed, view.Succeeded));
        Assert.Equal(["ord_2", "ord_3"], view.Failed.Select(f => f.OrderId));
        Assert.Equal(Start.AddSeconds(22), view.FinishedAt);
        Assert.Empty(await first.TakeOverLapsedAsync("instance-d", Start.AddHours(1), Start.AddHours(2), CancellationToken.None)); // finished: nothing to take
        Assert.Equal(["bulk-1"], (await second.RecentAsync(100, CancellationToken.None)).Select(v => v.Id));
        Assert.Null(await second.FindAsync("bulk-2", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TestStore.Engines), MemberType = typeof(TestStore))]
    public async Task Bulk_actions_and_their_failures_are_pruned_after_the_bookkeeping_retention(StoreEngine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var database = test.Open();
        var store = new BulkActionStore(database, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        await store.InsertAsync(Job("bulk-old"), "instance-a", Start.AddSeconds(15), CancellationToken.None);
        Assert.True(await store.RecordAsync("bulk-old", "instance-a", "ord_1", "409 cancel-too-late: done", Start.AddSeconds(16), CancellationToken.None));
        var housekeeping = new StoreHousekeeping(database, Options.Create(new StoreOptions()), TimeProvider.System,
            NullLogger<StoreHousekeeping>.Instance, BulkActionStore.Bookkeeping);

        Assert.Equal(0, await housekeeping.PurgeAsync(Start.AddSeconds(-1), CancellationToken.None)); // younger than the cut: kept
        Assert.NotNull(await store.FindAsync("bulk-old", CancellationToken.None));
        Assert.Equal(2, await housekeeping.PurgeAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None)); // the action and its failure
        Assert.Null(await store.FindAsync("bulk-old", CancellationToken.None));
    }
}
