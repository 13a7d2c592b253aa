using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Operators' REST actions through the gateway, each checked against the system APIs' own records: a parked saga
/// redriven from its failed step completes; a bulk retry of compensations over a selection with one saga it does not
/// apply to does the rest and lists that one; dead letters are listed with why they died, one replayed (and handled),
/// one discarded (and never handled); search pages with a cursor; every action is recorded with who and why.
/// </summary>
public sealed class OperatorActionsTests(OperatorActionsTests.Fixture layer) : IClassFixture<OperatorActionsTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.UnionWith([LayerService.Inventory, LayerService.Shipping]);
        o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-orchestrated");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Patience", "00:00:08");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__MaxAttempts", "3");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__BaseDelay", "00:00:00.100");
    });

    private static readonly object Who = new { by = "ops-ann", reason = "shipping is back" };

    private HttpClient Operator() => layer.CreateGatewayClient(TestPartners.Operator.Key);


    [Fact]
    public async Task A_parked_saga_is_redriven_from_its_failed_step_and_completes()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var create = await layer.ShippingMock!.AlwaysFailAsync("POST", "/api/v1/shipments", 500);
        var cancel = await layer.ShippingMock!.AlwaysFailAsync("POST", "/api/v1/shipments/[^/]+/cancel", 500);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var parked = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60));
        Assert.Equal(SagaStatuses.NeedsAttention, parked.Status);
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status); // nothing undone yet

        using var ops = Operator();
        var timeline = await ops.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}/timeline");
        Assert.Contains("redrive", timeline.GetProperty("nextAction").GetString());
        using (var unsigned = await ops.PostAsJsonAsync($"/api/v1/sagas/{orderId}/redrive", new { by = "ops-ann" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode); // why is required, and nothing changed
        }

        Assert.Equal(SagaStatuses.NeedsAttention, (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        await layer.ShippingMock.RemoveMappingAsync(create);
        await layer.ShippingMock.RemoveMappingAsync(cancel);
        using (var redrive = await ops.PostAsJsonAsync($"/api/v1/sagas/{orderId}/redrive", Who))
        {
            Assert.Equal(HttpStatusCode.Accepted, redrive.StatusCode);
        }

        var done = await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == SagaStatuses.Completed,
            TimeSpan.FromSeconds(60), "the redriven order to complete");
        Assert.Equal("succeeded", done.StepStatus("create-shipment"));
        Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind == "operator-redrive" && h.Detail == "redriven by ops-ann: shipping is back");

        using var again = await ops.PostAsJsonAsync($"/api/v1/sagas/{orderId}/redrive", Who);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("saga-not-parked", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bulk_retry_of_compensations_does_every_parked_saga_and_lists_the_one_it_does_not_apply_to()
    {
        var customer = "cust-bulk-" + Guid.NewGuid().ToString("N")[..8];
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 10);
        var completed = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, customerId: customer));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(completed)).Status);

        var release = await layer.InventoryMock!.AlwaysFailAsync("POST", "/api/v1/reservations/[^/]+/release", 500);
        var parked = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            parked.Add(await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, country: LayerHttp.UnservedCountry, customerId: customer))); // shipping refuses: undone, release fails
        }

        foreach (var orderId in parked)
        {
            Assert.Equal(SagaStatuses.NeedsAttention, (await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60))).Status);
        }

        Assert.Equal(3, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        using var ops = Operator();
        using (var redrive = await ops.PostAsJsonAsync($"/api/v1/sagas/{parked[0]}/redrive", Who))
        {
            Assert.Equal(HttpStatusCode.Conflict, redrive.StatusCode); // the charge was refunded already: it cannot go forward
            Assert.Contains("redrive-impossible", await redrive.Content.ReadAsStringAsync());
        }

        await layer.InventoryMock.RemoveMappingAsync(release);
        using var start = await ops.PostAsJsonAsync("/api/v1/bulk-actions", new
        {
            action = "retry-compensation", filter = new { customer }, by = "ops-ann", reason = "inventory is back", perSecond = 2,
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var bulk = await Eventually.GetAsync(() => ops.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-actions/{id}"),
            b => b.GetProperty("status").GetString() == "done", TimeSpan.FromSeconds(30), "the bulk action to finish");
        Assert.Equal(3, bulk.GetProperty("total").GetInt32());
        Assert.Equal(2, bulk.GetProperty("succeeded").GetInt32());
        var failed = Assert.Single(bulk.GetProperty("failed").EnumerateArray());
        Assert.Equal(completed, failed.GetProperty("orderId").GetString());
        Assert.Contains("saga-not-parked", failed.GetProperty("error").GetString());

        foreach (var orderId in parked)
        {
            Assert.Equal(SagaStatuses.Failed, (await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId),
                o => o.Status == SagaStatuses.Failed, TimeSpan.FromSeconds(30), "the retried compensation to end the order")).Status);
            Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
            Assert.Equal(RecordStatuses.Refunded, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
            var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
            Assert.Contains(saga!.History, h => h.Kind == "operator-retry" && h.Detail == "compensation retried by ops-ann: inventory is back");
        }

        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved); // only the completed order's
        Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(completed));
    }

    [Fact]
    public async Task Dead_letters_are_listed_with_why_they_died_one_is_replayed_and_handled_and_one_discarded()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5, unitPriceCents: 700);
        string Command(string orderId) => JsonSerializer.Serialize(new FulfillOrderCommand(orderId, "demo", "cust-dead", [new PricedOrderLine(sku, 1, 700)], 700, "EUR",
            LayerHttp.OkCard, new ShippingAddress("Ada", "1 St", "London", "N1", "GB"), DateTimeOffset.UtcNow), JsonSerializerOptions.Web);
        var replayed = "ord_dead_" + Guid.NewGuid().ToString("N");
        var discarded = "ord_dead_" + Guid.NewGuid().ToString("N");
        // As the broker dead-letters a message of process.order-fulfillment: to the dead-letter exchange, routed by the queue's name.
        foreach (var orderId in new[] { replayed, discarded })
        {
            await layer.Broker.PublishAsync("apiled.dead-letter", "process.order-fulfillment", orderId + "/fulfill", MessageTypes.FulfillOrderV1, Command(orderId),
                new Dictionary<string, object?> { ["x-first-death-reason"] = "delivery_limit" });
        }

        var unreadable = "unreadable-" + Guid.NewGuid().ToString("N");
        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", unreadable, MessageTypes.FulfillOrderV1, "{ not json"); // really dead-lettered: rejected

        using var ops = Operator();
        var queues = await Eventually.GetAsync(() => ops.GetFromJsonAsync<JsonElement>("/api/v1/dead-letters"),
            q => q.EnumerateArray().Any(x => x.GetProperty("queue").GetString() == "process.order-fulfillment" && x.GetProperty("messages").GetInt64() >= 3),
            TimeSpan.FromSeconds(15), "three dead letters of process.order-fulfillment");
        Assert.Contains(queues.EnumerateArray(), q => q.GetProperty("queue").GetString() == "inventory.choreography");

        var messages = await ops.GetFromJsonAsync<JsonElement>("/api/v1/dead-letters/process.order-fulfillment?limit=200");
        var byId = messages.EnumerateArray().ToDictionary(m => m.GetProperty("messageId").GetString()!, m => m);
        Assert.Equal("delivery_limit", byId[replayed + "/fulfill"].GetProperty("reason").GetString());
        Assert.Equal("rejected", byId[unreadable].GetProperty("reason").GetString());
        Assert.Contains(replayed, byId[replayed + "/fulfill"].GetProperty("body").GetString());

        using (var replay = await ops.PostAsJsonAsync("/api/v1/dead-letters/process.order-fulfillment/replay",
                   new { messageIds = new[] { replayed + "/fulfill", "no-such-message" }, by = "ops-ann", reason = "the flow is fixed" }))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            var result = await replay.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal([replayed + "/fulfill"], result.GetProperty("done").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["no-such-message"], result.GetProperty("notFound").EnumerateArray().Select(e => e.GetString()));
        }

        using (var discard = await ops.PostAsJsonAsync("/api/v1/dead-letters/process.order-fulfillment/discard",
                   new { messageIds = new[] { discarded + "/fulfill" }, by = "ops-ann", reason = "a duplicate the partner withdrew" }))
        {
            Assert.Equal(HttpStatusCode.OK, discard.StatusCode);
        }

        var saga = await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(replayed), s => s is { Status: SagaStatuses.Completed },
            TimeSpan.FromSeconds(30), "the replayed command's saga to complete");
        Assert.NotNull(saga);
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(replayed))!.Status);
        Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(replayed));
        await Task.Delay(1000);
        Assert.Null(await layer.BillingClient.GetChargeAsync(discarded));
        Assert.Null(await layer.ProcessApiClient.GetSagaAsync(discarded));
        var left = (await ops.GetFromJsonAsync<JsonElement>("/api/v1/dead-letters/process.order-fulfillment?limit=200")).EnumerateArray()
            .Select(m => m.GetProperty("messageId").GetString()).ToList();
        Assert.DoesNotContain(replayed + "/fulfill", left);
        Assert.DoesNotContain(discarded + "/fulfill", left);
        Assert.Contains(unreadable, left); // browsing and taking others leaves it where it is

        var actions = await ops.GetFromJsonAsync<JsonElement>("/api/v1/operator-actions");
        Assert.Contains(actions.EnumerateArray(), a => a.GetProperty("action").GetString() == "dead-letter-replay"
                                                       && a.GetProperty("by").GetString() == "ops-ann" && a.GetProperty("reason").GetString() == "the flow is fixed");
        Assert.Contains(actions.EnumerateArray(), a => a.GetProperty("action").GetString() == "dead-letter-discard"
                                                       && a.GetProperty("reason").GetString() == "a duplicate the partner withdrew");

        using var unknown = await ops.GetAsync("/api/v1/dead-letters/no.such.queue");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var both = await ops.PostAsJsonAsync("/api/v1/dead-letters/process.order-fulfillment/discard", new { all = true, messageIds = new[] { "x" }, by = "a", reason = "b" });
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
    }

    [Fact]
    public async Task A_search_finds_sagas_by_customer_page_by_page_with_a_cursor()
    {
        var customer = "cust-search-" + Guid.NewGuid().ToString("N")[..8];
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 10);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // One after the other: the process API starts queued commands in parallel, so only an order placed after the
            // one before it ended is sure to have the later saga.
            var id = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, customerId: customer));
            await layer.GatewayClient.WaitForTerminalAsync(id);
            ids.Add(id);
        }

        using var ops = Operator();
        var first = await ops.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/search?customer={customer}&limit=2");
        var second = await ops.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/search?customer={customer}&limit=2&cursor={first.GetProperty("nextCursor").GetString()}");
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        var found = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(ids.AsEnumerable().Reverse(), found.Select(s => s.GetProperty("orderId").GetString())); // newest first, none twice
        Assert.All(found, s => Assert.Equal("test-partner", s.GetProperty("partnerId").GetString()));

        var byStatus = await ops.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/search?customer={customer}&status=failed");
        Assert.Empty(byStatus.GetProperty("items").EnumerateArray());
        using var bad = await ops.GetAsync("/api/v1/sagas/search?cursor=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
