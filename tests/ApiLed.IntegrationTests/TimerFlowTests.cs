using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// A timer step (wait 6 s after the reservation, then charge and ship), written in a flows file, in each mode against
/// the real layer: the charge comes no sooner than the wait, and a wait survives a restart of the process API (the
/// clock in every mode).
/// </summary>
public abstract class TimerFlowTests(LayerFixture layer)
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task The_charge_waits_for_the_timer()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60));

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["reserve-inventory:succeeded", "cool-off:waited", "charge-payment:succeeded", "create-shipment:succeeded"],
            saga.Steps.Select(s => $"{s.Name}:{s.Status}"));
        var reserved = (await layer.InventoryClient.GetReservationAsync(orderId))!.UpdatedAt;
        var charged = (await layer.BillingClient.GetChargeAsync(orderId))!.UpdatedAt;
        Assert.True(charged - reserved >= Pause - TimeSpan.FromMilliseconds(50), $"charged {(charged - reserved).TotalSeconds:0.00} s after the reservation");
    }

    [Fact]
    public async Task A_wait_survives_a_restart_of_the_process_api()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId), s => s?.Steps[1].Status == "waiting",
            TimeSpan.FromSeconds(30), "the timer step to wait");
        var view = await layer.ProcessApiClient.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.StartsWith("the timer, due at ", view.GetProperty("waiting").GetProperty("what").GetString());
        Assert.Equal("cool-off", view.GetProperty("waiting").GetProperty("step").GetString());
        await layer.ProcessApi.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await layer.ProcessApi.RestartAsync();

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60));
        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
    }

    /// <summary>The timed flow in <paramref name="mode"/>, added to the shipped flows file; the recovery scan (the clock) every second.</summary>
    internal static void TimedFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        var pause = JsonNode.Parse($$"""
            { "Name": "cool-off", "Wait": { "For": "{{Pause:c}}" },
              "Events": { "Succeeded": "order-timer.done", "Failed": "order-timer.failed", "Compensated": "order-timer.undone" } }
            """)!;
        var steps = FlowsFiles.ReferenceSteps();
        FlowsFiles.UseFlow(fixture, options, "order-fulfillment-timed", mode, steps[0], pause, steps[1], steps[2]);
        options.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
    }
}

public sealed class TimerFlowOrchestrationTests(TimerFlowOrchestrationTests.Fixture layer)
    : TimerFlowTests(layer), IClassFixture<TimerFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => TimedFlow(this, options, "orchestration");
    }
}

public sealed class TimerFlowHybridTests(TimerFlowHybridTests.Fixture layer)
    : TimerFlowTests(layer), IClassFixture<TimerFlowHybridTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => TimedFlow(this, options, "hybrid");
    }
}

public sealed class TimerFlowChoreographyTests(TimerFlowChoreographyTests.Fixture layer)
    : TimerFlowTests(layer), IClassFixture<TimerFlowChoreographyTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => TimedFlow(this, options, "choreography");
    }
}
