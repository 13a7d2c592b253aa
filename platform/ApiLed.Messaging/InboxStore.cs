using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Messaging;

/// <summary>
/// Message ids a consumer has fully handled, in the service's own store, so a repeated delivery is acknowledged
/// without acting again. Handlers with state of their own record the id in their transaction instead
/// (<see cref="OutboxStore.TryRecordInboxAsync"/>).
/// </summary>
public sealed class InboxStore(StoreDatabase database)
{
    public static readonly StoreSchema Schema = StoreSchema.Of("inbox", """
        CREATE TABLE IF NOT EXISTS inbox (
            consumer     TEXT NOT NULL,
            message_id   TEXT NOT NULL,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (consumer, message_id));
        """);

    public Task<bool> SeenAsync(string consumer, string messageId, CancellationToken ct) => database.ReadAsync(async c =>
        await c.ScalarAsync<long?>("SELECT 1 FROM inbox WHERE consumer = $consumer AND message_id = $id", null, ct,
            ("$consumer", consumer), ("$id", messageId)) is not null, ct);

    public Task RecordAsync(string consumer, string messageId, CancellationToken ct) => database.WriteAsync(
        (c, tx) => OutboxStore.TryRecordInboxAsync(c, tx, consumer, messageId, ct), ct);
}
