using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Flows as configuration: the process API reads its flows file (a copy of the shipped one in the fixture's
/// folder), and a change applies by reload, without a rebuild, to new orders only; an invalid change is refused
/// with its message and the flows in force keep running.
/// </summary>
public sealed class FlowReloadTests(FlowReloadTests.Fixture layer) : IClassFixture<FlowReloadTests.Fixture>, IAsyncLifetime
{
    public sealed class Fixture : LayerFixture
    {
        public string FlowsFile => Path.Combine(TempDirectory, "flows.json");

        public static string ShippedFlows => File.ReadAllText(Path.Combine(RepoPaths.Root, "process-api", "ApiLed.ProcessApi", "flows.json"));

        protected override void Configure(LayerOptions options)
        {
            Directory.CreateDirectory(TempDirectory);
            File.WriteAllText(FlowsFile, ShippedFlows);
            options.SetEnvironment(LayerService.ProcessApi, "FlowsFile", FlowsFile);
        }
    }

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(layer.FlowsFile, Fixture.ShippedFlows);
        using var reload = await ReloadAsync();
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, string> InvalidChanges => new()
    {
        { "unknown operation", """{"path":"order-fulfillment.0.Operation","value":"inventory.teleport"}""", "Flows:Definitions:order-fulfillment:Steps:0:Operation 'inventory.teleport' is unknown" },
        { "missing compensation", """{"path":"order-fulfillment.2.Compensation","value":""}""", "Flows:Definitions:order-fulfillment:Steps:2:Compensation is required" },
        { "duplicate step names", """{"path":"order-fulfillment.2.Name","value":"reserve-inventory"}""", "Flows:Definitions:order-fulfillment:Steps:2:Name 'reserve-inventory' is used by an earlier step" },
        { "event wiring loop", """{"path":"order-fulfillment-choreographed.1.Events.Succeeded","value":"inventory.reserved"}""", "Flows:Definitions:order-fulfillment-choreographed:Steps:1:Events:Succeeded 'inventory.reserved' is also emitted by reserve-inventory:Succeeded" },
        { "unknown mode", """{"path":"order-fulfillment.Mode","value":"telepathy"}""", "Flows:Definitions:order-fulfillment:Mode is 'telepathy'" },
        { "not JSON", """{"raw":"{ \"Flows\": { "}""", "cannot be read as JSON" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task An_invalid_change_is_refused_with_its_message_and_the_old_flow_keeps_running(string what, string change, string expected)
    {
        await File.WriteAllTextAsync(layer.FlowsFile, Apply(Fixture.ShippedFlows, change));

        using var reload = await ReloadAsync();
        Assert.True(reload.StatusCode == HttpStatusCode.UnprocessableEntity, $"{what}: expected 422, got {(int)reload.StatusCode}");
        var problem = await reload.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(expected) && e.StartsWith(layer.FlowsFile, StringComparison.Ordinal));

        var flows = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>("/api/v1/flows");
        Assert.False(flows.GetProperty("lastReload").GetProperty("applied").GetBoolean());
        var active = flows.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "order-fulfillment");
        Assert.Equal("hybrid", active.GetProperty("mode").GetString());
        Assert.Equal("inventory.reserve", active.GetProperty("steps")[0].GetProperty("operation").GetString());

        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
    }

    [Fact]
    public async Task The_flows_view_shows_each_flow_with_the_advisors_view_and_warns_on_a_contradiction()
    {
        var view = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>("/api/v1/flows");
        var flows = view.GetProperty("flows").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);

        Assert.Equal("order-fulfillment", view.GetProperty("orderFlow").GetString());
        Assert.Equal(
            ["order-fulfillment-checked:hybrid", "order-fulfillment-choreographed:choreography", "order-fulfillment-orchestrated:orchestration", "order-fulfillment-screened:hybrid", "order-fulfillment:hybrid"],
            flows.Select(f => $"{f.Key}:{f.Value.GetProperty("mode").GetString()}").Order(StringComparer.Ordinal));
        var systems = view.GetProperty("systems");
        Assert.Equal(["cancel-shipment", "create-shipment", "get-shipment"],
            systems.GetProperty("shipping").GetProperty("operations").EnumerateObject().Select(o => o.Name).Order());
        Assert.Equal("refund", systems.GetProperty("billing").GetProperty("operations").GetProperty("charge").GetProperty("undo").GetString());
        var hybrid = flows["order-fulfillment"].GetProperty("advice");
        Assert.True(hybrid.GetProperty("agreesWithMode").GetBoolean());
        Assert.Equal("orchestration", hybrid.GetProperty("recommended").GetString());
        var choreographed = flows["order-fulfillment-choreographed"].GetProperty("advice");
        Assert.False(choreographed.GetProperty("agreesWithMode").GetBoolean());
        Assert.Contains("advisor recommends orchestration", choreographed.GetProperty("warning").GetString());
        Assert.Contains(view.GetProperty("lastReload").GetProperty("warnings").EnumerateArray(),
            w => w.GetString()!.Contains("order-fulfillment-choreographed"));
    }

    [Fact]
    public async Task A_reorder_and_a_mode_swap_applied_while_orders_flow_lose_nothing_and_apply_to_new_orders()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 100, unitPriceCents: 300);
        var reordered = Reorder(Fixture.ShippedFlows, "order-fulfillment");
        var swapped = SetOrderFlow(Reorder(reordered, "order-fulfillment-choreographed"), "order-fulfillment-choreographed");

        var orders = new List<string>();
        for (var i = 0; i < 18; i++)
        {
            if (i == 6)
            {
                await File.WriteAllTextAsync(layer.FlowsFile, reordered);
                using var first = await ReloadAsync();
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
                await Task.Delay(800);
            }

            if (i == 12)
            {
                await File.WriteAllTextAsync(layer.FlowsFile, swapped);
                using var second = await ReloadAsync();
                Assert.Equal(HttpStatusCode.OK, second.StatusCode);
                await Task.Delay(800);
            }

            orders.Add(await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)));
            await Task.Delay(150);
        }

        var phases = new List<int>();
        foreach (var orderId in orders)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90))).Status);
            var saga = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
            var firstStep = saga.GetProperty("steps")[0].GetProperty("name").GetString();
            phases.Add((saga.GetProperty("mode").GetString(), firstStep) switch
            {
                ("hybrid", "reserve-inventory") => 0,
                ("hybrid", "charge-payment") => 1,
                ("choreography", "charge-payment") => 2,
                var other => throw new Xunit.Sdk.XunitException($"order {orderId} ran an unexpected definition {other}"),
            });
        }

        Assert.Equal(0, phases[0]);
        Assert.Equal(2, phases[^1]);
        Assert.Equal(phases.Order(), phases);
        Assert.Contains(1, phases);
        var charges = await layer.BillingClient.ListChargesAsync();
        Assert.All(orders, id => Assert.Equal(RecordStatuses.Charged, Assert.Single(charges, c => c.OrderId == id).Status));
        Assert.Equal(orders.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
    }

    private Task<HttpResponseMessage> ReloadAsync() => layer.ProcessApiClient.PostAsync("/api/v1/flows/reload", null);

    private static string Apply(string flows, string change)
    {
        var edit = JsonNode.Parse(change)!;
        if (edit["raw"] is { } raw)
        {
            return raw.GetValue<string>();
        }

        var root = JsonNode.Parse(flows)!;
        var parts = edit["path"]!.GetValue<string>().Split('.');
        JsonNode node = root["Flows"]!["Definitions"]![parts[0]]!;
        var rest = parts.Skip(1).ToList();
        if (int.TryParse(rest[0], out _))
        {
            node = node["Steps"]!;
        }

        for (var i = 0; i < rest.Count - 1; i++)
        {
            node = int.TryParse(rest[i], out var index) ? node[index]! : node[rest[i]]!;
        }

        node[rest[^1]] = edit["value"]!.GetValue<string>();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Charge before reserve, as in the seeds' choreography example.</summary>
    private static string Reorder(string flows, string flow)
    {
        var root = JsonNode.Parse(flows)!;
        var steps = root["Flows"]!["Definitions"]![flow]!["Steps"]!.AsArray();
        int At(string name) => steps.Select((s, i) => (s, i)).Single(p => p.s!["Name"]!.GetValue<string>() == name).i;
        var (reserveAt, chargeAt) = (At("reserve-inventory"), At("charge-payment"));
        var reserve = steps[reserveAt]!.DeepClone();
        steps[reserveAt] = steps[chargeAt]!.DeepClone();
        steps[chargeAt] = reserve;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string SetOrderFlow(string flows, string flow)
    {
        var root = JsonNode.Parse(flows)!;
        root["Flows"]!["OrderFlow"] = flow;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
