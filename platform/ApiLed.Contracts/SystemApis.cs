namespace ApiLed.Contracts;

/// <summary>A SKU's stock as the inventory system API reports it.</summary>
public sealed record StockItem(string Sku, string Name, long UnitPriceCents, int OnHand, int Reserved, int Available);

/// <summary>Sets a SKU's stock level and price (internal admin call of the inventory system API).</summary>
public sealed record PutStockRequest(string Name, long UnitPriceCents, int OnHand);

public sealed record ReserveInventoryRequest(string OrderId, IReadOnlyList<OrderLine> Lines);

public sealed record ReservationResponse(string OrderId, string Status, IReadOnlyList<OrderLine> Lines, DateTimeOffset UpdatedAt);

public sealed record ChargeRequest(string OrderId, string PaymentReference, long AmountCents, string Currency);

public sealed record ChargeResponse(
    string OrderId, string ChargeId, string Status, long AmountCents, long RefundedCents, string Currency, DateTimeOffset UpdatedAt);

public sealed record CreateShipmentRequest(string OrderId, IReadOnlyList<OrderLine> Lines, ShippingAddress ShipTo);

public sealed record ShipmentResponse(string OrderId, string ShipmentId, string Status, string? TrackingNumber, DateTimeOffset UpdatedAt);

/// <summary>Statuses of the system APIs' records.</summary>
public static class RecordStatuses
{
    public const string Reserved = "reserved";
    public const string Released = "released";
    public const string Charged = "charged";
    public const string Refunded = "refunded";
    public const string Created = "created";
    public const string Cancelled = "cancelled";

    /// <summary>A compensation arrived before (or instead of) the action: the action is refused from now on.</summary>
    public const string Voided = "voided";
}
