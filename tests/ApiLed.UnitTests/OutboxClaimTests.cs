using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.UnitTests;

/// <summary>Several instances of a service share one outbox on PostgreSQL: each row is claimed by one of them, until its claim lapses.</summary>
public sealed class OutboxClaimTests
{
    [Fact]
    public async Task Two_instances_claim_different_rows_in_order_and_a_lapsed_claim_is_taken_again()
    {
        await using var store = await TestStore.CreateAsync(StoreEngine.Postgres);
        var first = store.Open();
        var second = store.Open();
        await first.MigrateAsync([OutboxStore.Schema, InboxStore.Schema], CancellationToken.None);
        var one = new OutboxStore(first, new OutboxSignal(), TimeProvider.System);
        var two = new OutboxStore(second, new OutboxSignal(), TimeProvider.System);
        for (var i = 1; i <= 6; i++)
        {
            var id = $"m{i}";
            await first.WriteAsync(async (c, tx) =>
            {
                await one.EnqueueAsync(c, tx, new OutboundMessage(id, "apiled.events", "order.completed", "apiled.order.completed.v2", new { id }), CancellationToken.None);
                return 0;
            }, CancellationToken.None);
        }

        var claimedByOne = await one.ClaimPendingAsync(4, TimeSpan.FromMinutes(1), CancellationToken.None);
        var claimedByTwo = await two.ClaimPendingAsync(4, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(["m1", "m2", "m3", "m4"], claimedByOne.Select(r => r.MessageId));
        Assert.Equal(["m5", "m6"], claimedByTwo.Select(r => r.MessageId));
        // Asking again gives an instance its own claims back, never the other's.
        Assert.Equal(["m5", "m6"], (await two.ClaimPendingAsync(4, TimeSpan.FromMinutes(1), CancellationToken.None)).Select(r => r.MessageId));

        // The first publishes two of its rows and dies: the rest of its claim lapses, and the second takes them.
        await one.MarkPublishedAsync([claimedByOne[0].Sequence, claimedByOne[1].Sequence], CancellationToken.None);
        await first.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE outbox SET claimed_until = $past WHERE claimed_by = $one", tx, CancellationToken.None,
            ("$past", DateTimeOffset.UtcNow.AddSeconds(-1).ToStoreText()), ("$one", one.Claimant)), CancellationToken.None);
        var takenOver = await two.ClaimPendingAsync(10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(["m3", "m4", "m5", "m6"], takenOver.Select(r => r.MessageId));
    }
}
