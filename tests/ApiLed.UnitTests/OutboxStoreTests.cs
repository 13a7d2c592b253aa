using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

public sealed class OutboxStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-outbox-").FullName;
    private readonly SqliteDatabase database;
    private readonly OutboxStore outbox;

    public OutboxStoreTests()
    {
        database = new SqliteDatabase(Options.Create(new StoreOptions { Path = Path.Combine(folder, "outbox.db") }), TimeProvider.System);
        database.MigrateAsync([OutboxStore.Schema, InboxStore.Schema], CancellationToken.None).GetAwaiter().GetResult();
        outbox = new OutboxStore(database, new OutboxSignal(), TimeProvider.System);
    }

    [Fact]
    public async Task Rows_wait_in_order_until_published_and_only_published_rows_are_purged()
    {
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            await database.WriteAsync(async (c, tx) =>
            {
                await outbox.EnqueueAsync(c, tx, new OutboundMessage(id, "apiled.events", "order.completed", "apiled.order.completed.v2", new { id }),
                    CancellationToken.None);
                return 0;
            }, CancellationToken.None);
        }

        var pending = await outbox.PendingAsync(10, CancellationToken.None);
        Assert.Equal(["m1", "m2", "m3"], pending.Select(p => p.MessageId));

        await outbox.MarkPublishedAsync([pending[0].Sequence, pending[1].Sequence], CancellationToken.None);
        Assert.Equal(["m3"], (await outbox.PendingAsync(10, CancellationToken.None)).Select(p => p.MessageId));

        Assert.Equal(0, await outbox.PurgePublishedAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));
        Assert.Equal(2, await outbox.PurgePublishedAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None));
        Assert.Equal(1, await outbox.PendingCountAsync(CancellationToken.None));

        var (count, oldest) = await outbox.BacklogAsync(CancellationToken.None);
        Assert.Equal(1, count);
        Assert.Equal(pending[2].CreatedAt, oldest);
        await outbox.MarkPublishedAsync([pending[2].Sequence], CancellationToken.None);
        Assert.Equal((0L, (DateTimeOffset?)null), await outbox.BacklogAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_row_keeps_the_trace_context_it_was_written_in_and_its_message_carries_both_headers()
    {
        using var activity = new System.Diagnostics.Activity("accept").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "apiled=1,vendor=abc";
        await database.WriteAsync(async (c, tx) =>
        {
            await outbox.EnqueueAsync(c, tx, new OutboundMessage("traced", "apiled.commands", "order.fulfill", "apiled.order.fulfill.v1", new { }),
                CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        activity.Stop();

        var row = Assert.Single(await outbox.PendingAsync(10, CancellationToken.None));
        Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-00", row.TraceParent);
        Assert.Equal("apiled=1,vendor=abc", row.TraceState);

        var message = BrokerMessage.From(row);
        var properties = MessageEnvelope.CreateProperties(message.MessageId, message.Type, "test", message.Time, null, message.TraceParent, message.TraceState);
        Assert.Equal(row.TraceParent, MessageEnvelope.Header(properties, MessageEnvelope.TraceParent));
        Assert.Equal("apiled=1,vendor=abc", MessageEnvelope.Header(properties, MessageEnvelope.TraceState));
        var parent = MessageEnvelope.ParentFrom(MessageEnvelope.Header(properties, MessageEnvelope.TraceParent), MessageEnvelope.Header(properties, MessageEnvelope.TraceState));
        Assert.Equal(activity.TraceId, parent.TraceId);
        Assert.Equal(activity.SpanId, parent.SpanId);
        Assert.Equal("apiled=1,vendor=abc", parent.TraceState);
    }

    [Fact]
    public async Task The_same_message_id_is_queued_once()
    {
        for (var i = 0; i < 2; i++)
        {
            await database.WriteAsync(async (c, tx) =>
            {
                await outbox.EnqueueAsync(c, tx, new OutboundMessage("same", "apiled.commands", "order.fulfill", "apiled.order.fulfill.v1", new { i }),
                    CancellationToken.None);
                return 0;
            }, CancellationToken.None);
        }

        Assert.Equal(1, await outbox.PendingCountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Outbox_inbox_and_schema_rows_are_stamped_by_the_stores_clock()
    {
        var clock = new ManualClock(new DateTimeOffset(2031, 3, 4, 5, 6, 7, TimeSpan.Zero));
        using var clocked = new SqliteDatabase(Options.Create(new StoreOptions { Path = Path.Combine(folder, "clocked.db") }), clock);
        await clocked.MigrateAsync([OutboxStore.Schema, InboxStore.Schema], CancellationToken.None);
        var clockedOutbox = new OutboxStore(clocked, new OutboxSignal(), clock);

        await clocked.WriteAsync(async (c, tx) =>
        {
            await clockedOutbox.EnqueueAsync(c, tx, new OutboundMessage("m1", "apiled.events", "order.completed", "apiled.order.completed.v2", new { }),
                CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await clockedOutbox.MarkPublishedAsync([(await clockedOutbox.PendingAsync(1, CancellationToken.None))[0].Sequence], CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await new InboxStore(clocked, clock).RecordAsync("test", "m1", CancellationToken.None);

        async Task<string?> Read(string sql) => await clocked.ReadAsync(c => c.ScalarAsync<string>(sql, null, CancellationToken.None), CancellationToken.None);
        Assert.Equal("2031-03-04T05:06:07.0000000Z", await Read("SELECT created_at FROM outbox WHERE message_id = 'm1'"));
        Assert.Equal("2031-03-04T05:07:07.0000000Z", await Read("SELECT published_at FROM outbox WHERE message_id = 'm1'"));
        Assert.Equal("2031-03-04T05:08:07.0000000Z", await Read("SELECT processed_at FROM inbox WHERE message_id = 'm1'"));
        Assert.Equal("2031-03-04T05:06:07.0000000Z", await Read("SELECT applied_at FROM schema_versions WHERE component = 'outbox' AND version = 2"));
    }

    public void Dispose()
    {
        database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
