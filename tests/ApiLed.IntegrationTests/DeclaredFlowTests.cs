using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The shipped six-step flow (order-fulfillment-checked: each change followed by a read of the same system), declared
/// in the flows file with no C#, run in each mode against the real layer: the reads' kept fields land on the saga,
/// and a failure compensates the changes while the reads need no undo.
/// </summary>
public abstract class DeclaredFlowTests(LayerFixture layer)
{
    protected LayerFixture Layer => layer;

    [Fact]
    public async Task Six_declared_steps_run_in_order_and_keep_the_fields_their_operations_name()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3, unitPriceCents: 450);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["reserve-inventory", "check-reservation", "charge-payment", "check-charge", "create-shipment", "check-shipment"],
            saga.Steps.Select(s => s.Name));
        Assert.All(saga.Steps, s => Assert.Equal("succeeded", s.Status));
        Assert.Equal("billing.get-charge", saga.Steps[3].Operation);
        Assert.Null(saga.Steps[3].Compensation); // a read undoes nothing
        Assert.Equal("billing.refund", saga.Steps[2].Compensation); // the charge's Undo, declared on the operation
        using var checkedCharge = JsonDocument.Parse(saga.Steps[3].Result!);
        Assert.Equal(["amountCents", "status"], checkedCharge.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(900, checkedCharge.RootElement.GetProperty("amountCents").GetInt64());
        using var shipped = JsonDocument.Parse(saga.Steps[4].Result!);
        Assert.False(string.IsNullOrEmpty(shipped.RootElement.GetProperty("trackingNumber").GetString()));
        Assert.False(shipped.RootElement.TryGetProperty("orderId", out _)); // only the declared fields are kept
        Assert.Equal(900, (await layer.BillingClient.GetChargeAsync(orderId))!.AmountCents);
        Assert.Equal(2, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        await AssertModeSpecificsAsync();
    }

    [Fact]
    public async Task A_declined_charge_releases_the_reservation_and_the_read_before_it_needs_no_undo()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("charge-payment", order.Failure!.Step);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["compensated", "compensated", "rejected", "skipped", "skipped", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.Equal(1, saga.Steps[1].Attempts); // the read was made once; undoing it called nothing
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
        await AssertModeSpecificsAsync();
    }

    protected virtual Task AssertModeSpecificsAsync() => Task.CompletedTask;

    internal static void CheckedFlow(LayerOptions options, string mode)
    {
        options.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-checked");
        options.SetEnvironment(LayerService.ProcessApi, "Flows__Definitions__order-fulfillment-checked__Mode", mode);
    }
}

public sealed class DeclaredFlowOrchestrationTests(DeclaredFlowOrchestrationTests.Fixture layer)
    : DeclaredFlowTests(layer), IClassFixture<DeclaredFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => CheckedFlow(o, "orchestration"));
}

public sealed class DeclaredFlowHybridTests(DeclaredFlowHybridTests.Fixture layer)
    : DeclaredFlowTests(layer), IClassFixture<DeclaredFlowHybridTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => CheckedFlow(o, "hybrid"));
}

/// <summary>Choreography: the process API's system addresses are WireMock, so a call by a coordinator (a read included) would show there.</summary>
public sealed class DeclaredFlowChoreographyTests(DeclaredFlowChoreographyTests.Fixture layer)
    : DeclaredFlowTests(layer), IClassFixture<DeclaredFlowChoreographyTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o =>
    {
        CheckedFlow(o, "choreography");
        o.WireMockInFrontOf.UnionWith([LayerService.Inventory, LayerService.Billing, LayerService.Shipping]);
    });

    protected override async Task AssertModeSpecificsAsync()
    {
        foreach (var mock in new[] { Layer.InventoryMock!, Layer.BillingMock!, Layer.ShippingMock! })
        {
            Assert.Equal(0, await mock.CountRequestsAsync("POST", "/api/v1/.*"));
            Assert.Equal(0, await mock.CountRequestsAsync("GET", "/api/v1/(reservations|charges|shipments)/.*"));
        }
    }
}
