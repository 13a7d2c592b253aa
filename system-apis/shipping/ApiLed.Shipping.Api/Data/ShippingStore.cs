using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace ApiLed.Shipping.Api;

public abstract record ShipmentResult
{
    public sealed record Created(ShipmentResponse Shipment, bool Existing) : ShipmentResult;

    public sealed record NotServed(string Country) : ShipmentResult;

    public sealed record Closed(ShipmentResponse Shipment) : ShipmentResult;
}

/// <summary>
/// Shipments, one per order at most. Cancelling twice is harmless; a cancellation that arrives before its
/// shipment leaves a 'voided' tombstone that refuses the late shipment.
/// </summary>
public sealed class ShippingStore(StoreDatabase database, IOptions<ShippingOptions> options, TimeProvider time)
{
    private static readonly StoreSchema Schema = StoreSchema.Of("shipping", """
        CREATE TABLE IF NOT EXISTS shipments (
            order_id        TEXT PRIMARY KEY,
            shipment_id     TEXT NOT NULL,
            status          TEXT NOT NULL,
            tracking_number TEXT,
            ship_to         TEXT NOT NULL,
            lines           TEXT NOT NULL,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL);
        """);

    private const string SelectShipment = "SELECT order_id, shipment_id, status, tracking_number, updated_at FROM shipments";

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema, IdempotentRequests.Schema, InboxStore.Schema], ct);

    public Task<List<ShipmentResponse>> ListAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync(SelectShipment + " ORDER BY created_at", Read, null, ct), ct);

    public Task<ShipmentResponse?> FindAsync(string orderId, CancellationToken ct) => database.ReadAsync(c => FindAsync(c, null, orderId, ct), ct);

    public async Task<ShipmentResult> CreateAsync(DbConnection c, DbTransaction tx, CreateShipmentRequest request, CancellationToken ct)
    {
        if (await FindAsync(c, tx, request.OrderId, ct) is { } existing)
        {
            return existing.Status == RecordStatuses.Created ? new ShipmentResult.Created(existing, true) : new ShipmentResult.Closed(existing);
        }

        var country = request.ShipTo.Country.ToUpperInvariant();
        if (!options.Value.ServedCountries.Contains(country, StringComparer.OrdinalIgnoreCase))
        {
            return new ShipmentResult.NotServed(country);
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7().ToString("N");
        var shipment = new ShipmentResponse(request.OrderId, "shp_" + id, RecordStatuses.Created, "TRK" + id[^12..].ToUpperInvariant(), now);
        await c.ExecuteAsync(
            """
            INSERT INTO shipments (order_id, shipment_id, status, tracking_number, ship_to, lines, created_at, updated_at)
            VALUES ($order, $id, $status, $tracking, $shipTo, $lines, $at, $at)
            """, tx, ct, ("$order", shipment.OrderId), ("$id", shipment.ShipmentId), ("$status", shipment.Status),
            ("$tracking", shipment.TrackingNumber), ("$shipTo", JsonSerializer.Serialize(request.ShipTo, JsonSerializerOptions.Web)),
            ("$lines", JsonSerializer.Serialize(request.Lines, JsonSerializerOptions.Web)), ("$at", now.ToStoreText()));
        return new ShipmentResult.Created(shipment, false);
    }

    public async Task<ShipmentResponse> CancelAsync(DbConnection c, DbTransaction tx, string orderId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var existing = await FindAsync(c, tx, orderId, ct);
        if (existing is null)
        {
            var voided = new ShipmentResponse(orderId, "shp_" + Guid.CreateVersion7().ToString("N"), RecordStatuses.Voided, null, now);
            await c.ExecuteAsync(
                """
                INSERT INTO shipments (order_id, shipment_id, status, ship_to, lines, created_at, updated_at)
                VALUES ($order, $id, $status, '{}', '[]', $at, $at)
                """, tx, ct, ("$order", orderId), ("$id", voided.ShipmentId), ("$status", voided.Status), ("$at", now.ToStoreText()));
            return voided;
        }

        if (existing.Status != RecordStatuses.Created)
        {
            return existing;
        }

        await c.ExecuteAsync("UPDATE shipments SET status = $status, updated_at = $at WHERE order_id = $order",
            tx, ct, ("$order", orderId), ("$status", RecordStatuses.Cancelled), ("$at", now.ToStoreText()));
        return existing with { Status = RecordStatuses.Cancelled, UpdatedAt = now };
    }

    private static Task<ShipmentResponse?> FindAsync(DbConnection c, DbTransaction? tx, string orderId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync(SelectShipment + " WHERE order_id = $order", Read, tx, ct, ("$order", orderId));

    private static ShipmentResponse Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetNullableString("tracking_number"), r.GetTimestamp("updated_at"));
}
