using ApiLed.Contracts;

namespace ApiLed.Sagas.SystemApis;

/// <summary>A system operation a flow step may name, and the operation that undoes it (if it changes anything).</summary>
public sealed record OperationInfo(string Name, string System, string Description, string? CompensatedBy);

/// <summary>The catalogue of system operations flows are built from, and their execution.</summary>
/// <remarks>A choreography participant has only its own system's client; the others stay null.</remarks>
public sealed class SystemOperations(InventoryClient? inventory = null, BillingClient? billing = null, ShippingClient? shipping = null)
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
        ReserveInventory => Inventory.ReserveAsync(
            new ReserveInventoryRequest(order.OrderId, [.. order.Lines.Select(l => new OrderLine(l.Sku, l.Quantity))]), idempotencyKey, ct),
        ReleaseInventory => Inventory.ReleaseAsync(order.OrderId, idempotencyKey, ct),
        ChargePayment => Billing.ChargeAsync(
            new ChargeRequest(order.OrderId, order.PaymentReference, order.TotalCents, order.Currency), idempotencyKey, ct),
        RefundPayment => Billing.RefundAsync(order.OrderId, idempotencyKey, ct),
        CreateShipment => Shipping.CreateShipmentAsync(
            new CreateShipmentRequest(order.OrderId, [.. order.Lines.Select(l => new OrderLine(l.Sku, l.Quantity))], order.ShipTo), idempotencyKey, ct),
        CancelShipment => Shipping.CancelShipmentAsync(order.OrderId, idempotencyKey, ct),
        _ => throw new InvalidOperationException($"Unknown system operation '{operation}'."),
    };

    private InventoryClient Inventory => inventory ?? throw new InvalidOperationException("No inventory client in this process.");

    private BillingClient Billing => billing ?? throw new InvalidOperationException("No billing client in this process.");

    private ShippingClient Shipping => shipping ?? throw new InvalidOperationException("No shipping client in this process.");
}
