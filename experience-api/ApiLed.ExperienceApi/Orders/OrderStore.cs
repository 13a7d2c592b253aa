using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;

namespace ApiLed.ExperienceApi.Orders;

public abstract record AcceptResult
{
    public sealed record Accepted(OrderStatusView Order) : AcceptResult;

    public sealed record Replayed(OrderStatusView Order) : AcceptResult;

    public sealed record KeyReused(string OrderId) : AcceptResult;
}

/// <summary>
/// The experience API's own store: accepted orders keyed by partner and Idempotency-Key, written in the same
/// transaction as the outbox row that queues their fulfillment, plus the status read model the saga events
/// keep up to date and the partner notifications.
/// </summary>
public sealed class OrderStore(StoreDatabase database, OutboxStore outbox)
{
    private static readonly StoreSchema Schema = StoreSchema.Of("orders", """
        CREATE TABLE IF NOT EXISTS orders (
            order_id        TEXT PRIMARY KEY,
            partner_id      TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            request_hash    TEXT NOT NULL,
            customer_id     TEXT NOT NULL,
            lines           TEXT NOT NULL,
            total_cents     INTEGER NOT NULL,
            currency        TEXT NOT NULL,
            callback_url    TEXT,
            status          TEXT NOT NULL,
            saga_version    INTEGER NOT NULL DEFAULT 0,
            steps           TEXT NOT NULL DEFAULT '[]',
            failed_step     TEXT,
            failure_reason  TEXT,
            accepted_at     TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            UNIQUE (partner_id, idempotency_key));
        CREATE INDEX IF NOT EXISTS ix_orders_partner ON orders (partner_id, accepted_at);
        CREATE TABLE IF NOT EXISTS notifications (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id    TEXT NOT NULL UNIQUE,
            order_id      TEXT NOT NULL,
            event         TEXT NOT NULL,
            payload       TEXT NOT NULL,
            status        TEXT NOT NULL,
            attempts      INTEGER NOT NULL DEFAULT 0,
            next_attempt  TEXT NOT NULL,
            last_error    TEXT,
            created_at    TEXT NOT NULL,
            delivered_at  TEXT,
            correlation_id TEXT);
        CREATE INDEX IF NOT EXISTS ix_notifications_order ON notifications (order_id);
        CREATE INDEX IF NOT EXISTS ix_notifications_due ON notifications (status, next_attempt);
        """, [new("notifications", "correlation_id", "TEXT")]);

    private const string SelectOrder =
        "SELECT order_id, status, customer_id, lines, total_cents, currency, accepted_at, updated_at, steps, failed_step, failure_reason FROM orders";

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema, OutboxStore.Schema, InboxStore.Schema], ct);

    /// <summary>
    /// Stores a validated order and queues its fulfillment command in one transaction; the same partner and key
    /// again returns the first order (or a conflict when the body differs) and stores nothing.
    /// </summary>
    public Task<AcceptResult> AcceptAsync(string partnerId, string idempotencyKey, OrderValidator.ValidOrder order, string currency,
        DateTimeOffset now, CancellationToken ct) => database.WriteAsync<AcceptResult>(async (c, tx) =>
    {
        var hash = IdempotentRequests.Fingerprint("order", order);
        var existing = await c.QueryAsync("SELECT order_id, request_hash FROM orders WHERE partner_id = $partner AND idempotency_key = $key",
            r => (Id: r.GetString(0), Hash: r.GetString(1)), tx, ct, ("$partner", partnerId), ("$key", idempotencyKey));
        if (existing is [var found])
        {
            return found.Hash == hash
                ? new AcceptResult.Replayed((await FindAsync(c, tx, partnerId, found.Id, ct))!)
                : new AcceptResult.KeyReused(found.Id);
        }

        var orderId = "ord_" + Guid.CreateVersion7().ToString("N");
        await c.ExecuteAsync(
            """
            INSERT INTO orders (order_id, partner_id, idempotency_key, request_hash, customer_id, lines, total_cents, currency,
                                callback_url, status, accepted_at, updated_at)
            VALUES ($id, $partner, $key, $hash, $customer, $lines, $total, $currency, $callback, $status, $at, $at)
            """, tx, ct, ("$id", orderId), ("$partner", partnerId), ("$key", idempotencyKey), ("$hash", hash),
            ("$customer", order.CustomerId), ("$lines", JsonSerializer.Serialize(order.Lines, JsonSerializerOptions.Web)),
            ("$total", order.TotalCents), ("$currency", currency), ("$callback", order.CallbackUrl), ("$status", OrderStatuses.Accepted),
            ("$at", now.ToStoreText()));

        var command = new FulfillOrderCommand(orderId, partnerId, order.CustomerId, order.Lines, order.TotalCents, currency,
            order.PaymentReference, order.ShipTo, now);
        await outbox.EnqueueAsync(c, tx, new OutboundMessage(orderId + "/fulfill", Topology.CommandsExchange,
            Topology.FulfillOrderRoutingKey, MessageTypes.FulfillOrderV1, command), ct);
        return new AcceptResult.Accepted((await FindAsync(c, tx, partnerId, orderId, ct))!);
    }, ct);

    public Task<OrderStatusView?> FindAsync(string partnerId, string orderId, CancellationToken ct) =>
        database.ReadAsync(c => FindAsync(c, null, partnerId, orderId, ct), ct);

    public Task<List<OrderStatusView>> ListAsync(string partnerId, int limit, CancellationToken ct) => database.ReadAsync(async c =>
    {
        var notifications = (await c.QueryAsync(
                """
                SELECT n.order_id, n.event, n.status, n.attempts, n.created_at, n.delivered_at, n.last_error
                FROM notifications n
                JOIN (SELECT order_id FROM orders WHERE partner_id = $partner ORDER BY accepted_at DESC LIMIT $limit) o ON o.order_id = n.order_id
                ORDER BY n.id
                """,
                r => (OrderId: r.GetString(0), View: ReadNotification(r, 1)), null, ct, ("$partner", partnerId), ("$limit", limit)))
            .ToLookup(n => n.OrderId, n => n.View);
        return await c.QueryAsync(SelectOrder + " WHERE partner_id = $partner ORDER BY accepted_at DESC LIMIT $limit",
            r => Read(r, [.. notifications[r.GetString(0)]]), null, ct, ("$partner", partnerId), ("$limit", limit));
    }, ct);

    /// <summary>
    /// Applies a saga event to the status read model and, for an outcome, records the partner notification, in one
    /// transaction. The status only moves forward (a newer saga version replaces an older one); the notification is
    /// recorded once per message whatever the version (an outcome that arrives after a later one is still told),
    /// pending delivery when the order has a callback URL, else only recorded.
    /// </summary>
    public Task<SagaEventApplied> ApplySagaEventAsync(SagaProgressEvent progress, PartnerNotification? notification, CancellationToken ct) =>
        database.WriteAsync(async (c, tx) =>
        {
            var updated = await c.ExecuteAsync(
                """
                UPDATE orders SET status = $status, saga_version = $version, steps = $steps, failed_step = $failedStep,
                                  failure_reason = $reason, updated_at = $at
                WHERE order_id = $id AND saga_version < $version
                """, tx, ct, ("$id", progress.OrderId), ("$status", OrderStatuses.Of(progress)), ("$version", progress.Version),
                ("$steps", JsonSerializer.Serialize(progress.Steps, JsonSerializerOptions.Web)), ("$failedStep", progress.FailedStep),
                ("$reason", progress.FailureReason), ("$at", progress.At.ToStoreText())) == 1;
            if (notification is null)
            {
                // Most events change the status and need nothing else; only one that changed nothing asks whether the order is here.
                var held = updated || await c.ScalarAsync<long?>("SELECT 1 FROM orders WHERE order_id = $id", tx, ct, ("$id", progress.OrderId)) is not null;
                return new SagaEventApplied(held, updated, Notified: false);
            }

            var callback = await c.QueryAsync("SELECT callback_url FROM orders WHERE order_id = $id",
                r => r.GetNullableString("callback_url"), tx, ct, ("$id", progress.OrderId));
            if (callback is not [var url])
            {
                return new SagaEventApplied(OrderHeld: false, StatusUpdated: false, Notified: false);
            }

            var notified = await c.ExecuteAsync(
                """
                INSERT INTO notifications (message_id, order_id, event, payload, status, next_attempt, created_at, correlation_id)
                VALUES ($message, $order, $event, $payload, $status, $at, $at, $correlation) ON CONFLICT (message_id) DO NOTHING
                """, tx, ct, ("$message", notification.MessageId), ("$order", progress.OrderId), ("$event", notification.Event),
                ("$payload", notification.WebhookBody), ("$status", url is null ? NotificationStatuses.Recorded : NotificationStatuses.Pending),
                ("$at", notification.At.ToStoreText()), ("$correlation", notification.CorrelationId)) == 1;
            return new SagaEventApplied(OrderHeld: true, updated, notified);
        }, ct);

    /// <summary>
    /// Shows a cancel the process API took (<c>cancelling</c> or <c>cancelled</c> at saga version <paramref name="version"/>)
    /// at once, before its event arrives; an order already further on (a newer saga version, or an outcome) keeps its status.
    /// </summary>
    public Task CancelTakenAsync(string orderId, string status, int version, DateTimeOffset at, CancellationToken ct) =>
        database.WriteAsync((c, tx) => c.ExecuteAsync(
            """
            UPDATE orders SET status = $status, saga_version = $version, updated_at = $at
            WHERE order_id = $id AND saga_version <= $version AND status NOT IN ($completed, $failed, $parked, $cancelled)
            """, tx, ct, ("$id", orderId), ("$status", status), ("$version", version), ("$at", at.ToStoreText()),
            ("$completed", OrderStatuses.Completed), ("$failed", OrderStatuses.Failed), ("$parked", OrderStatuses.NeedsAttention),
            ("$cancelled", OrderStatuses.Cancelled)), ct);

    private async Task<OrderStatusView?> FindAsync(DbConnection c, DbTransaction? tx, string partnerId, string orderId, CancellationToken ct)
    {
        var notifications = await c.QueryAsync(
            "SELECT event, status, attempts, created_at, delivered_at, last_error FROM notifications WHERE order_id = $id ORDER BY id",
            r => ReadNotification(r, 0), tx, ct, ("$id", orderId));
        return await c.QuerySingleOrDefaultAsync(SelectOrder + " WHERE order_id = $id AND partner_id = $partner",
            r => Read(r, notifications), tx, ct, ("$id", orderId), ("$partner", partnerId));
    }

    /// <summary>A notification row whose columns start at <paramref name="first"/>: event, status, attempts, created, delivered, error.</summary>
    private static NotificationView ReadNotification(DbDataReader r, int first) => new(
        r.GetString(first), r.GetString(first + 1), r.GetInt(first + 2), r.GetTimestamp("created_at"),
        r.IsDBNull(first + 4) ? null : r.GetTimestamp("delivered_at"), r.GetNullableString("last_error"));

    private static OrderStatusView Read(DbDataReader r, IReadOnlyList<NotificationView> notifications)
    {
        var steps = JsonSerializer.Deserialize<List<SagaStepView>>(r.GetString(8), JsonSerializerOptions.Web) ?? [];
        var failedStep = r.GetNullableString("failed_step");
        var reason = r.GetNullableString("failure_reason");
        return new OrderStatusView(
            r.GetString(0), r.GetString(1), r.GetString(2),
            JsonSerializer.Deserialize<List<PricedOrderLine>>(r.GetString(3), JsonSerializerOptions.Web) ?? [],
            r.GetLong(4), r.GetString(5), r.GetTimestamp("accepted_at"), r.GetTimestamp("updated_at"), steps,
            failedStep is null ? null : new OrderFailureView(failedStep, reason ?? ""),
            [.. steps.Where(s => s.Status == "compensated").Reverse().Select(s => s.Name)],
            notifications);
    }
}
