using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// A choice between branches, written in a flows file (no C#), run in each mode against the real layer: orders above
/// 1,000.00 are screened by the risk system, the others have their reservation read back instead; the branch not
/// taken is never called.
/// </summary>
public abstract class ChoiceFlowTests(LayerFixture layer)
{
    public const string Flow = "order-fulfillment-by-size";

    [Fact]
    public async Task A_large_order_takes_the_screening_branch()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["reserve-inventory:succeeded", "screen-order:succeeded", "check-reservation:not-taken", "charge-payment:succeeded", "create-shipment:succeeded"],
            saga.Steps.Select(s => $"{s.Name}:{s.Status}"));
        using var screening = await layer.RiskClient.GetAsync($"/api/v1/screenings/{orderId}");
        Assert.True(screening.IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_small_order_takes_the_otherwise_branch_and_is_never_screened()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 2_000);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        Assert.Equal(["reserve-inventory:succeeded", "screen-order:not-taken", "check-reservation:succeeded", "charge-payment:succeeded", "create-shipment:succeeded"],
            saga.Steps.Select(s => $"{s.Name}:{s.Status}"));
        Assert.Contains("\"status\":\"reserved\"", saga.Steps[2].Result);
        using var screening = await layer.RiskClient.GetAsync($"/api/v1/screenings/{orderId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, screening.StatusCode);
    }

    /// <summary>The by-size flow in <paramref name="mode"/>, added to the shipped flows file.</summary>
    internal static void ChoiceFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        static JsonNode Step(string name, string operation, string @event) => JsonNode.Parse($$"""
            { "Name": "{{name}}", "Operation": "{{operation}}",
              "Events": { "Succeeded": "{{@event}}.done", "Failed": "{{@event}}.failed", "Compensated": "{{@event}}.undone" } }
            """)!;
        var choice = new JsonObject
        {
            ["Name"] = "by-size",
            ["Choice"] = new JsonObject
            {
                ["Branches"] = new JsonArray(new JsonObject
                {
                    ["When"] = "order.totalCents > 100000",
                    ["Steps"] = new JsonArray(Step("screen-order", "risk.screen", "risk.by-size")),
                }),
                ["Otherwise"] = new JsonArray(Step("check-reservation", "inventory.get-reservation", "inventory.by-size")),
            },
        };
        var steps = FlowsFiles.ReferenceSteps();
        FlowsFiles.UseFlow(fixture, options, Flow, mode, steps[0], choice, steps[1], steps[2]);
    }
}

public sealed class ChoiceFlowOrchestrationTests(ChoiceFlowOrchestrationTests.Fixture layer)
    : ChoiceFlowTests(layer), IClassFixture<ChoiceFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ChoiceFlow(this, options, "orchestration");
    }
}

public sealed class ChoiceFlowHybridTests(ChoiceFlowHybridTests.Fixture layer)
    : ChoiceFlowTests(layer), IClassFixture<ChoiceFlowHybridTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ChoiceFlow(this, options, "hybrid");
    }
}

public sealed class ChoiceFlowChoreographyTests(ChoiceFlowChoreographyTests.Fixture layer)
    : ChoiceFlowTests(layer), IClassFixture<ChoiceFlowChoreographyTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ChoiceFlow(this, options, "choreography");
    }
}
