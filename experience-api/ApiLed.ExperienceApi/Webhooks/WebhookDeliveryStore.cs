using ApiLed.ExperienceApi.Orders;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>A notification claimed for one delivery attempt.</summary>
public sealed record ClaimedDelivery(long Id, string MessageId, string OrderId, string PartnerId, string? CallbackUrl, string Event,
    string Payload, int Attempt, string? CorrelationId);

/// <summary>
/// The delivery side of the <c>notifications</c> table. A due notification is claimed (status <c>sending</c>, attempt
/// counted, reserved until the claim times out) in one write before anything is sent, so no two senders send it at
/// once; its outcome is recorded only by the attempt that claimed it.
/// </summary>
public sealed class WebhookDeliveryStore(StoreDatabase database)
{
    private const string Due =
        "n.status IN ('" + NotificationStatuses.Pending + "', '" + NotificationStatuses.Sending + "') AND n.next_attempt <= $now";

    public Task<List<ClaimedDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan claimTimeout, int limit, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) =>
        {
            var due = await c.QueryAsync(
                $"""
                SELECT n.id, n.message_id, n.order_id, o.partner_id, o.callback_url, n.event, n.payload, n.attempts, n.correlation_id
                FROM notifications n JOIN orders o ON o.order_id = n.order_id
                WHERE {Due} ORDER BY n.next_attempt LIMIT $limit
                """,
                r => new ClaimedDelivery(r.GetLong(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetNullableString("callback_url"),
                    r.GetString(5), r.GetString(6), r.GetInt(7) + 1, r.GetNullableString("correlation_id")),
                tx, ct, ("$now", now.ToStoreText()), ("$limit", limit));
            foreach (var delivery in due)
            {
                await c.ExecuteAsync(
                    "UPDATE notifications SET status = $sending, attempts = $attempt, next_attempt = $until WHERE id = $id",
                    tx, ct, ("$sending", NotificationStatuses.Sending), ("$attempt", delivery.Attempt),
                    ("$until", (now + claimTimeout).ToStoreText()), ("$id", delivery.Id));
            }

            return due;
        }, ct);

    /// <summary>Records the attempt's success; false when the claim was lost (it timed out and was claimed again).</summary>
    public Task<bool> MarkDeliveredAsync(ClaimedDelivery delivery, DateTimeOffset at, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            UPDATE notifications SET status = $delivered, delivered_at = $at, last_error = NULL
            WHERE id = $id AND status = $sending AND attempts = $attempt
            """, tx, ct, ("$delivered", NotificationStatuses.Delivered), ("$at", at.ToStoreText()), ("$id", delivery.Id),
            ("$sending", NotificationStatuses.Sending), ("$attempt", delivery.Attempt)) == 1, ct);

    /// <summary>Records a failed attempt: pending again from <paramref name="retryAt"/>, or failed for good when it is null.</summary>
    public Task<bool> MarkAttemptFailedAsync(ClaimedDelivery delivery, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            UPDATE notifications SET status = $status, next_attempt = $next, last_error = $error
            WHERE id = $id AND status = $sending AND attempts = $attempt
            """, tx, ct, ("$status", retryAt is null ? NotificationStatuses.Failed : NotificationStatuses.Pending),
            ("$next", (retryAt ?? now).ToStoreText()), ("$error", error.Length > 500 ? error[..500] : error), ("$id", delivery.Id),
            ("$sending", NotificationStatuses.Sending), ("$attempt", delivery.Attempt)) == 1, ct);

    /// <summary>When the next pending (or stale claimed) notification is due, if any.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct) => database.ReadAsync(async c =>
    {
        var next = await c.ScalarAsync<string>(
            "SELECT MIN(next_attempt) FROM notifications WHERE status IN ($pending, $sending)", null, ct,
            ("$pending", NotificationStatuses.Pending), ("$sending", NotificationStatuses.Sending));
        return next is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture);
    }, ct);
}
