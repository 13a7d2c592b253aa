using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Human approvals, written in a flows file, in each mode against the real layer: orders above 1,000.00 wait for an
/// operator (above 5,000.00 with a 4-second deadline that escalates to finance, then rejects). The partner sees
/// <c>awaiting-approval</c>; operators list and decide through the gateway; every decision and deadline holds across a
/// restart of the process API.
/// </summary>
public abstract class ApprovalFlowTests(LayerFixture layer)
{
    private HttpClient Operator => field ??= layer.CreateGatewayClient(TestPartners.Operator.Key);

    private async Task<string> PlaceAwaitingAsync(long unitPriceCents)
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: unitPriceCents);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == "awaiting-approval",
            TimeSpan.FromSeconds(30), "the partner to see the order awaiting approval");
        return orderId;
    }

    /// <summary>The order's pending approval, once the process API lists it (in choreography its tracker may follow the partner's view by a moment).</summary>
    private async Task<JsonElement> PendingAsync(string orderId)
    {
        var listed = await Eventually.GetAsync(async () => (await Operator.GetFromJsonAsync<JsonElement[]>("/api/v1/approvals"))!,
            all => all.Any(a => a.GetProperty("orderId").GetString() == orderId), TimeSpan.FromSeconds(30), $"order {orderId} to be listed for approval");
        return listed.Single(a => a.GetProperty("orderId").GetString() == orderId);
    }

    private async Task RestartProcessApiAsync()
    {
        await layer.ProcessApi.StopAsync();
        await layer.ProcessApi.RestartAsync();
    }

    [Fact]
    public async Task An_approved_order_goes_on_after_a_restart_and_records_who_approved_it()
    {
        var orderId = await PlaceAwaitingAsync(150_000);
        var pending = await PendingAsync(orderId);
        Assert.Equal("order-approvers", pending.GetProperty("group").GetString());
        Assert.Equal(150_000, pending.GetProperty("totalCents").GetInt64());
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId)); // nothing charged while it waits
        var view = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.StartsWith("an approval by order-approvers", view.GetProperty("waiting").GetProperty("what").GetString());

        await RestartProcessApiAsync();
        using var approve = await Operator.PostAsJsonAsync($"/api/v1/approvals/{orderId}/approve", new { by = "ops-ann", reason = "known customer" });
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, order.Status);
        var step = saga.Steps.Single(s => s.Name == "approve-order");
        Assert.Equal("approved", step.Status);
        Assert.Contains("\"by\":\"ops-ann\"", step.Result);
        Assert.Contains("\"reason\":\"known customer\"", step.Result);
        Assert.Equal(150_000, (await layer.BillingClient.GetChargeAsync(orderId))!.AmountCents);

        using var again = await Operator.PostAsJsonAsync($"/api/v1/approvals/{orderId}/approve", new { by = "ops-ann", reason = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_rejected_order_fails_with_its_reservation_released_after_a_restart()
    {
        var orderId = await PlaceAwaitingAsync(150_000);
        using var bad = await Operator.PostAsJsonAsync($"/api/v1/approvals/{orderId}/reject", new { by = "ops-bob" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode); // why is required; nothing changed
        Assert.Equal("awaiting-approval", (await layer.GatewayClient.GetOrderAsync(orderId)).Status);

        await PendingAsync(orderId);
        await RestartProcessApiAsync();
        using var reject = await Operator.PostAsJsonAsync($"/api/v1/approvals/{orderId}/reject", new { by = "ops-bob", reason = "card looks stolen" });
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("approve-order", order.Failure!.Step);
        Assert.Equal("rejected by ops-bob: card looks stolen", order.Failure.Reason);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
    }

    [Fact]
    public async Task An_undecided_order_is_escalated_at_the_deadline_then_rejected_across_a_restart()
    {
        var orderId = await PlaceAwaitingAsync(600_000);
        var escalated = await Eventually.GetAsync(() => PendingAsync(orderId), a => a.GetProperty("escalated").GetBoolean(),
            TimeSpan.FromSeconds(30), "the approval to be escalated at its deadline");
        Assert.Equal("finance", escalated.GetProperty("group").GetString());

        await RestartProcessApiAsync();
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60));
        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.StartsWith("rejected by the deadline: undecided by finance", order.Failure!.Reason);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
    }

    [Fact]
    public async Task A_reload_while_an_order_waits_changes_new_orders_only()
    {
        var waiting = await PlaceAwaitingAsync(150_000);
        await PendingAsync(waiting);
        var file = Path.Combine(layer.TempDirectory, "flows.json");
        var original = await File.ReadAllTextAsync(file);
        try
        {
            var changed = JsonNode.Parse(original)!;
            var steps = changed["Flows"]!["Definitions"]!["order-fulfillment-approved"]!["Steps"]!.AsArray();
            steps.RemoveAt(1); // no approvals any more
            await File.WriteAllTextAsync(file, changed.ToJsonString());
            using (var reload = await layer.ProcessApiClient.PostAsync("/api/v1/flows/reload", null))
            {
                Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
            }

            var sku = LayerHttp.NewSku();
            await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000);
            var after = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(after)).Status); // asked no approval

            Assert.Equal("awaiting-approval", (await layer.GatewayClient.GetOrderAsync(waiting)).Status); // still waits, on its own definition
            using var approve = await Operator.PostAsJsonAsync($"/api/v1/approvals/{waiting}/approve", new { by = "ops-ann", reason = "ok" });
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(waiting)).Status);
            Assert.Equal(["reserve-inventory", "approve-large-order", "approve-order", "charge-payment", "create-shipment"],
                (await layer.ProcessApiClient.WaitForSagaAsync(waiting, SagaStatuses.Completed)).Steps.Select(s => s.Name));
        }
        finally
        {
            await File.WriteAllTextAsync(file, original);
            using var restore = await layer.ProcessApiClient.PostAsync("/api/v1/flows/reload", null);
        }
    }

    /// <summary>
    /// reserve → (above 5,000.00: approval by order-approvers, 4 s, escalated to finance; above 1,000.00: approval, 1 day)
    /// → charge → ship, in <paramref name="mode"/>; the recovery scan (the clock) every second.
    /// </summary>
    internal static void ApprovalFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        static JsonNode Approval(string name, string events, string deadline, string onDeadline) => JsonNode.Parse($$"""
            { "Name": "{{name}}",
              "Approval": { "Group": "order-approvers", "Deadline": "{{deadline}}", "OnDeadline": "{{onDeadline}}", "EscalateTo": "finance" },
              "Events": { "Succeeded": "{{events}}.granted", "Failed": "{{events}}.refused", "Compensated": "{{events}}.withdrawn" } }
            """)!;
        var choice = new JsonObject
        {
            ["Name"] = "by-amount",
            ["Choice"] = new JsonObject
            {
                ["Branches"] = new JsonArray(
                    new JsonObject
                    {
                        ["When"] = "order.totalCents > 500000",
                        ["Steps"] = new JsonArray(Approval("approve-large-order", "approval.large", "00:00:04", "escalate")),
                    },
                    new JsonObject
                    {
                        ["When"] = "order.totalCents > 100000",
                        ["Steps"] = new JsonArray(Approval("approve-order", "approval.order", "1.00:00:00", "reject")),
                    }),
            },
        };
        var steps = FlowsFiles.ReferenceSteps();
        FlowsFiles.UseFlow(fixture, options, "order-fulfillment-approved", mode, steps[0], choice, steps[1], steps[2]);
        options.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
    }
}

public sealed class ApprovalFlowOrchestrationTests(ApprovalFlowOrchestrationTests.Fixture layer)
    : ApprovalFlowTests(layer), IClassFixture<ApprovalFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ApprovalFlow(this, options, "orchestration");
    }
}

public sealed class ApprovalFlowHybridTests(ApprovalFlowHybridTests.Fixture layer)
    : ApprovalFlowTests(layer), IClassFixture<ApprovalFlowHybridTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ApprovalFlow(this, options, "hybrid");
    }
}

public sealed class ApprovalFlowChoreographyTests(ApprovalFlowChoreographyTests.Fixture layer)
    : ApprovalFlowTests(layer), IClassFixture<ApprovalFlowChoreographyTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => ApprovalFlow(this, options, "choreography");
    }
}
