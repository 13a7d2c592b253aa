using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace ApiLed.Inventory.Api;

/// <summary>Outcome of a reservation attempt.</summary>
public abstract record ReserveResult
{
    public sealed record Reserved(ReservationResponse Reservation, bool Existing) : ReserveResult;

    public sealed record OutOfStock(IReadOnlyList<string> Skus) : ReserveResult;

    public sealed record UnknownSkus(IReadOnlyList<string> Skus) : ReserveResult;

    public sealed record Closed(ReservationResponse Reservation) : ReserveResult;
}

/// <summary>
/// Stock and reservations. A reservation is one conditional update per line
/// (<c>reserved = reserved + q WHERE on_hand - reserved &gt;= q</c>) inside one transaction, and the table's
/// CHECK constraint refuses <c>reserved &gt; on_hand</c> as a last line of defence: stock is never oversold.
/// </summary>
public sealed class InventoryStore(StoreDatabase database, IOptions<InventoryOptions> options, TimeProvider time)
{
    private static readonly StoreSchema Schema = StoreSchema.Of("inventory", """
        CREATE TABLE IF NOT EXISTS stock (
            sku              TEXT PRIMARY KEY,
            name             TEXT NOT NULL,
            unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
            on_hand          INTEGER NOT NULL CHECK (on_hand >= 0),
            reserved         INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand));
        CREATE TABLE IF NOT EXISTS reservations (
            order_id   TEXT PRIMARY KEY,
            status     TEXT NOT NULL,
            lines      TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        """);

    public async Task InitializeAsync(CancellationToken ct)
    {
        await database.MigrateAsync([Schema, IdempotentRequests.Schema, InboxStore.Schema], ct);
        await database.WriteAsync(async (connection, transaction) =>
        {
            foreach (var product in options.Value.Seed)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO stock (sku, name, unit_price_cents, on_hand) VALUES ($sku, $name, $price, $onHand) ON CONFLICT (sku) DO NOTHING",
                    transaction, ct, ("$sku", product.Sku), ("$name", product.Name), ("$price", product.UnitPriceCents), ("$onHand", product.OnHand));
            }

            return 0;
        }, ct);
    }

    public Task<List<StockItem>> ListStockAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync("SELECT sku, name, unit_price_cents, on_hand, reserved FROM stock ORDER BY sku", ReadStock, null, ct), ct);

    public Task<StockItem?> FindStockAsync(string sku, CancellationToken ct) => database.ReadAsync(c =>
        c.QuerySingleOrDefaultAsync("SELECT sku, name, unit_price_cents, on_hand, reserved FROM stock WHERE sku = $sku", ReadStock, null, ct, ("$sku", sku)), ct);

    /// <summary>Sets a SKU's name, price and stock on hand; refused (null) when fewer than the units already reserved.</summary>
    public Task<StockItem?> PutStockAsync(string sku, PutStockRequest request, CancellationToken ct) => database.WriteAsync(async (c, tx) =>
    {
        var reserved = await c.ScalarAsync<long?>("SELECT reserved FROM stock WHERE sku = $sku", tx, ct, ("$sku", sku)) ?? 0;
        if (request.OnHand < reserved)
        {
            return null;
        }

        await c.ExecuteAsync(
            """
            INSERT INTO stock (sku, name, unit_price_cents, on_hand) VALUES ($sku, $name, $price, $onHand)
            ON CONFLICT (sku) DO UPDATE SET name = $name, unit_price_cents = $price, on_hand = $onHand
            """, tx, ct, ("$sku", sku), ("$name", request.Name), ("$price", request.UnitPriceCents), ("$onHand", request.OnHand));
        return await c.QuerySingleOrDefaultAsync("SELECT sku, name, unit_price_cents, on_hand, reserved FROM stock WHERE sku = $sku", ReadStock, tx, ct, ("$sku", sku));
    }, ct);

    public Task<List<ReservationResponse>> ListReservationsAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync("SELECT order_id, status, lines, updated_at FROM reservations ORDER BY created_at", ReadReservation, null, ct), ct);

    public Task<ReservationResponse?> FindReservationAsync(string orderId, CancellationToken ct) => database.ReadAsync(c =>
        FindReservationAsync(c, null, orderId, ct), ct);

    public async Task<ReserveResult> ReserveAsync(DbConnection c, DbTransaction tx, ReserveInventoryRequest request, CancellationToken ct)
    {
        if (await FindReservationAsync(c, tx, request.OrderId, ct) is { } existing)
        {
            return existing.Status == RecordStatuses.Reserved ? new ReserveResult.Reserved(existing, true) : new ReserveResult.Closed(existing);
        }

        var lines = request.Lines.GroupBy(l => l.Sku).Select(g => new OrderLine(g.Key, g.Sum(l => l.Quantity))).ToList();
        var unknown = new List<string>();
        foreach (var line in lines)
        {
            if (await c.ScalarAsync<long?>("SELECT 1 FROM stock WHERE sku = $sku", tx, ct, ("$sku", line.Sku)) is null)
            {
                unknown.Add(line.Sku);
            }
        }

        if (unknown.Count > 0)
        {
            return new ReserveResult.UnknownSkus(unknown);
        }

        await c.ExecuteAsync("SAVEPOINT reserve", tx, ct);
        var shortages = new List<string>();
        foreach (var line in lines)
        {
            var updated = await c.ExecuteAsync(
                "UPDATE stock SET reserved = reserved + $qty WHERE sku = $sku AND on_hand - reserved >= $qty",
                tx, ct, ("$sku", line.Sku), ("$qty", line.Quantity));
            if (updated == 0)
            {
                shortages.Add(line.Sku);
            }
        }

        if (shortages.Count > 0)
        {
            await c.ExecuteAsync("ROLLBACK TO reserve; RELEASE reserve", tx, ct);
            return new ReserveResult.OutOfStock(shortages);
        }

        await c.ExecuteAsync("RELEASE reserve", tx, ct);
        var now = time.GetUtcNow();
        await c.ExecuteAsync(
            "INSERT INTO reservations (order_id, status, lines, created_at, updated_at) VALUES ($id, $status, $lines, $at, $at)",
            tx, ct, ("$id", request.OrderId), ("$status", RecordStatuses.Reserved),
            ("$lines", JsonSerializer.Serialize(lines, JsonSerializerOptions.Web)), ("$at", now.ToStoreText()));
        return new ReserveResult.Reserved(new ReservationResponse(request.OrderId, RecordStatuses.Reserved, lines, now), false);
    }

    /// <summary>
    /// Releases an order's reservation. Releasing again is harmless; releasing an order never reserved leaves a
    /// 'voided' tombstone so a late-arriving reserve for it is refused instead of stranding stock.
    /// </summary>
    public async Task<ReservationResponse> ReleaseAsync(DbConnection c, DbTransaction tx, string orderId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var existing = await FindReservationAsync(c, tx, orderId, ct);
        if (existing is null)
        {
            await c.ExecuteAsync(
                "INSERT INTO reservations (order_id, status, lines, created_at, updated_at) VALUES ($id, $status, '[]', $at, $at)",
                tx, ct, ("$id", orderId), ("$status", RecordStatuses.Voided), ("$at", now.ToStoreText()));
            return new ReservationResponse(orderId, RecordStatuses.Voided, [], now);
        }

        if (existing.Status != RecordStatuses.Reserved)
        {
            return existing;
        }

        foreach (var line in existing.Lines)
        {
            await c.ExecuteAsync("UPDATE stock SET reserved = reserved - $qty WHERE sku = $sku", tx, ct, ("$sku", line.Sku), ("$qty", line.Quantity));
        }

        await c.ExecuteAsync("UPDATE reservations SET status = $status, updated_at = $at WHERE order_id = $id",
            tx, ct, ("$id", orderId), ("$status", RecordStatuses.Released), ("$at", now.ToStoreText()));
        return existing with { Status = RecordStatuses.Released, UpdatedAt = now };
    }

    private static Task<ReservationResponse?> FindReservationAsync(DbConnection c, DbTransaction? tx, string orderId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync("SELECT order_id, status, lines, updated_at FROM reservations WHERE order_id = $id",
            ReadReservation, tx, ct, ("$id", orderId));

    private static StockItem ReadStock(DbDataReader r)
    {
        var onHand = r.GetInt(3);
        var reserved = r.GetInt(4);
        return new StockItem(r.GetString(0), r.GetString(1), r.GetLong(2), onHand, reserved, onHand - reserved);
    }

    private static ReservationResponse ReadReservation(DbDataReader r) => new(
        r.GetString(0), r.GetString(1),
        JsonSerializer.Deserialize<List<OrderLine>>(r.GetString(2), JsonSerializerOptions.Web) ?? [],
        r.GetTimestamp("updated_at"));
}
