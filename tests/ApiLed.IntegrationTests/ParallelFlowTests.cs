using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// A parallel step, written in a flows file, in each mode against the real layer: reserve, then side by side the shipment
/// and (a reservation check, then the charge), joined. A branch failing (a declined card) has its sibling that succeeded
/// (the shipment) compensated, and the reservation released. In choreography the branches run one after another.
/// </summary>
public abstract class ParallelFlowTests(LayerFixture layer)
{
    [Fact]
    public async Task Both_branches_run_and_join_before_the_order_completes()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, SagaStatuses.Completed);
        Assert.Equal(["reserve-inventory:succeeded", "create-shipment:succeeded", "check-reservation:succeeded", "charge-payment:succeeded"],
            saga.Steps.Select(s => $"{s.Name}:{s.Status}"));
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        Assert.Equal(RecordStatuses.Created, (await layer.ShippingClient.GetShipmentAsync(orderId))!.Status);
    }

    [Fact]
    public async Task A_failing_branch_has_its_sibling_that_succeeded_compensated()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("charge-payment", order.Failure!.Step);
        Assert.Contains("declined", order.Failure.Reason);
        // In reverse: the failed branch's read (nothing to undo), the sibling branch's shipment, then the reservation.
        Assert.Equal(["check-reservation", "create-shipment", "reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Cancelled, (await layer.ShippingClient.GetShipmentAsync(orderId))!.Status);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
    }

    /// <summary>reserve → parallel "fulfil" { create-shipment | check-reservation → charge-payment } in <paramref name="mode"/>.</summary>
    internal static void ParallelFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        var shipped = FlowsFiles.Shipped()["Flows"]!["Definitions"]!;
        var check = shipped["order-fulfillment-checked"]!["Steps"]!.AsArray().Single(s => s!["Name"]!.GetValue<string>() == "check-reservation")!.DeepClone();
        var steps = FlowsFiles.ReferenceSteps();
        var fulfil = System.Text.Json.Nodes.JsonNode.Parse("""{ "Name": "fulfil", "Parallel": { "Branches": [ { "Steps": [] }, { "Steps": [] } ] } }""")!;
        fulfil["Parallel"]!["Branches"]![0]!["Steps"]!.AsArray().Add(steps[2]);
        fulfil["Parallel"]!["Branches"]![1]!["Steps"]!.AsArray().Add(check);
        fulfil["Parallel"]!["Branches"]![1]!["Steps"]!.AsArray().Add(steps[1]);
        FlowsFiles.UseFlow(fixture, options, "order-fulfillment-parallel", mode, steps[0], fulfil);
    }
}

public sealed class ParallelFlowOrchestrationTests(ParallelFlowOrchestrationTests.Fixture layer)
    : ParallelFlowTests(layer), IClassFixture<ParallelFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ParallelFlow(this, options, "orchestration");
    }
}

public sealed class ParallelFlowHybridTests(ParallelFlowHybridTests.Fixture layer)
    : ParallelFlowTests(layer), IClassFixture<ParallelFlowHybridTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ParallelFlow(this, options, "hybrid");
    }
}

public sealed class ParallelFlowChoreographyTests(ParallelFlowChoreographyTests.Fixture layer)
    : ParallelFlowTests(layer), IClassFixture<ParallelFlowChoreographyTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ParallelFlow(this, options, "choreography");
    }
}
