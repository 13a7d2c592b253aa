using ApiLed.Contracts;

namespace ApiLed.Sagas.SystemApis;

/// <summary>A system operation a flow step may name, and the operation that undoes it (if it changes anything).</summary>
public sealed record OperationInfo(string Name, string System, string Description, string? CompensatedBy);

/// <summary>The catalogue of system operations flows are built from, and their execution.</summary>
public sealed class SystemOperations(InventoryClient inventory, BillingClient billing, ShippingClient shipping)
{
    public const string ReserveInventory = "inventory.reserve";
    public const string ReleaseInventory = "inventory.release";
    public const string ChargePayment = "billing.charge";
    public const string RefundPayment = "billing.refund";
    public const string CreateShipment = "shipping.create-shipment";
    public const string CancelShipment = "shipping.cancel-shipment";

    public static readonly IReadOnlyDictionary<string, OperationInfo> Known = new Dictionary<string, OperationInfo>(StringComparer.Ordinal)
    {
        [ReserveInventory] = new(ReserveInventory, "inventory", "Reserve every line of the order, all or nothing.", ReleaseInventory),
        [ReleaseInventory] = new(ReleaseInventory, "inventory", "Release the order's reservation.", null),
        [ChargePayment] = new(ChargePayment, "billing", "Charge the order total to its payment reference.", RefundPayment),
        [RefundPayment] = new(RefundPayment, "billing", "Refund the order's charge in full.", null),
        [CreateShipment] = new(CreateShipment, "shipping", "Create the order's shipment.", CancelShipment),
        [CancelShipment] = new(CancelShipment, "shipping", "Cancel the order's shipment.", null),
    };

    /// <summary>Runs <paramref name="operation"/> for <paramref name="order"/> under <paramref name="idempotencyKey"/>.</summary>
    public Task<StepOutcome> ExecuteAsync(string operation, FulfillOrderCommand order, string idempotencyKey, CancellationToken ct) => operation switch
    {
        ReserveInventory => inventory.ReserveAsync(
            new ReserveInventoryRequest(order.OrderId, [.. order.Lines.Select(l => new OrderLine(l.Sku, l.Quantity))]), idempotencyKey, ct),
        ReleaseInventory => inventory.ReleaseAsync(order.OrderId, idempotencyKey, ct),
        ChargePayment => billing.ChargeAsync(
            new ChargeRequest(order.OrderId, order.PaymentReference, order.TotalCents, order.Currency), idempotencyKey, ct),
        RefundPayment => billing.RefundAsync(order.OrderId, idempotencyKey, ct),
        CreateShipment => shipping.CreateShipmentAsync(
            new CreateShipmentRequest(order.OrderId, [.. order.Lines.Select(l => new OrderLine(l.Sku, l.Quantity))], order.ShipTo), idempotencyKey, ct),
        CancelShipment => shipping.CancelShipmentAsync(order.OrderId, idempotencyKey, ct),
        _ => throw new InvalidOperationException($"Unknown system operation '{operation}'."),
    };
}
