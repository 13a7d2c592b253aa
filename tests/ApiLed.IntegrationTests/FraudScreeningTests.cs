using System.Net.Http.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The shipped fraud-screening example (order-fulfillment-screened): a fourth system, risk, added with no C# in the
/// flows, screening only orders above 100.00 (a condition). Allowed, denied (the reservation released, nothing
/// charged), not screened at all (the condition not taken), and the risk system unavailable, in each mode.
/// </summary>
public abstract class FraudScreeningTests(LayerFixture layer)
{
    protected LayerFixture Layer => layer;

    [Fact]
    public async Task An_order_above_the_threshold_is_screened_and_allowed()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 25_000);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["reserve-inventory", "screen-order", "charge-payment", "create-shipment"], saga.Steps.Select(s => s.Name));
        Assert.All(saga.Steps, s => Assert.Equal("succeeded", s.Status));
        Assert.Contains("\"decision\":\"allow\"", saga.Steps[1].Result);
        var screening = await layer.RiskClient.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/screenings/{orderId}");
        Assert.Equal("allow", screening.GetProperty("decision").GetString());
        Assert.Equal(25_000, (await layer.BillingClient.GetChargeAsync(orderId))!.AmountCents);
    }

    [Fact]
    public async Task A_denied_order_fails_with_its_reservation_released_and_nothing_charged()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 600_000); // 6,000.00: above the deny limit of 5,000.00

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("screen-order", order.Failure!.Step);
        Assert.Contains("Denied: the total 600000 cents is above the limit", order.Failure.Reason);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
    }

    [Fact]
    public async Task A_small_order_is_not_screened_the_condition_does_not_hold()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 900); // 9.00: not above 100.00

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["succeeded", "not-taken", "succeeded", "succeeded"], saga.Steps.Select(s => s.Status));
        using var missing = await layer.RiskClient.GetAsync($"/api/v1/screenings/{orderId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(900, (await layer.BillingClient.GetChargeAsync(orderId))!.AmountCents);
    }

    [Fact]
    public async Task With_the_risk_system_down_the_order_is_never_charged_and_ends_compensated()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 25_000);

        string orderId;
        await layer.Risk.StopAsync();
        try
        {
            orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
            await WhileRiskIsDownAsync(orderId);
        }
        finally
        {
            await layer.Risk.RestartAsync();
        }

        var order = await AfterRiskIsBackAsync(orderId);
        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("screen-order", order.Failure!.Step);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        await AssertNeverChargedOrShippedAsync(orderId);
    }

    /// <summary>
    /// Nothing was charged or shipped: no record, or only the tombstone a compensation leaves when it runs before (or
    /// instead of) the action, which refuses a late one (a takeover undoes every step it cannot know about).
    /// </summary>
    protected async Task AssertNeverChargedOrShippedAsync(string orderId)
    {
        var charge = await Layer.BillingClient.GetChargeAsync(orderId);
        Assert.True(charge is null || (charge.Status == RecordStatuses.Voided && charge.AmountCents == 0), $"charge: {charge}");
        var shipment = await Layer.ShippingClient.GetShipmentAsync(orderId);
        Assert.True(shipment is null || shipment.Status == RecordStatuses.Voided, $"shipment: {shipment}");
    }

    /// <summary>
    /// The screening waits for risk up to the patience (3 s here), then the order fails. Whether a call reached risk
    /// before it went away cannot be known (a refused connection may follow a delivered request), so the screening is
    /// voided; with risk still down that compensation fails, and the saga is parked where operators see it. In
    /// choreography the risk participant is down with its system: the process API sees the saga stall and takes it
    /// over, with the same outcome. Nothing is charged or shipped meanwhile.
    /// </summary>
    private async Task WhileRiskIsDownAsync(string orderId)
    {
        var parked = await Layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
        Assert.Equal(SagaStatuses.NeedsAttention, parked.Status);
        await AssertNeverChargedOrShippedAsync(orderId);
    }

    /// <summary>Once risk is back, an operator's retry finishes the compensation and the order ends failed.</summary>
    private async Task<OrderView> AfterRiskIsBackAsync(string orderId)
    {
        using var retry = await Layer.ProcessApiClient.PostAsJsonAsync($"/api/v1/sagas/{orderId}/retry-compensation", new { by = "ops-test", reason = "the system is back" });
        Assert.True(retry.IsSuccessStatusCode, $"retry answered {(int)retry.StatusCode}");
        return await Eventually.GetAsync(() => Layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == SagaStatuses.Failed,
            TimeSpan.FromSeconds(60), "the retried compensation to fail the order");
    }

    internal static void ScreenedFlow(LayerOptions options, string mode)
    {
        options.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-screened");
        options.SetEnvironment(LayerService.ProcessApi, "Flows__Definitions__order-fulfillment-screened__Mode", mode);
        options.SetEnvironment(LayerService.ProcessApi, "Saga__Patience", "00:00:03");
        options.SetEnvironment(LayerService.ProcessApi, "Saga__StallGrace", "00:00:03");
    }
}

public sealed class FraudScreeningOrchestrationTests(FraudScreeningOrchestrationTests.Fixture layer)
    : FraudScreeningTests(layer), IClassFixture<FraudScreeningOrchestrationTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => ScreenedFlow(o, "orchestration"));
}

public sealed class FraudScreeningHybridTests(FraudScreeningHybridTests.Fixture layer)
    : FraudScreeningTests(layer), IClassFixture<FraudScreeningHybridTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => ScreenedFlow(o, "hybrid"));
}

/// <summary>Choreography: the risk participant lives beside the risk system, and screens in its place.</summary>
public sealed class FraudScreeningChoreographyTests(FraudScreeningChoreographyTests.Fixture layer)
    : FraudScreeningTests(layer), IClassFixture<FraudScreeningChoreographyTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => ScreenedFlow(o, "choreography"));
}
