using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Messaging;

/// <summary>
/// Message ids a consumer has fully handled, in the service's own store, so a repeated delivery is acknowledged
/// without acting again.
/// </summary>
public sealed class InboxStore(StoreDatabase database, TimeProvider time)
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

    public Task RecordAsync(string consumer, string messageId, CancellationToken ct) => database.WriteAsync((connection, transaction) =>
        connection.ExecuteAsync(
            "INSERT INTO inbox (consumer, message_id, processed_at) VALUES ($consumer, $id, $at) ON CONFLICT DO NOTHING",
            transaction, ct, ("$consumer", consumer), ("$id", messageId), ("$at", time.GetUtcNow().ToStoreText())), ct);
}
