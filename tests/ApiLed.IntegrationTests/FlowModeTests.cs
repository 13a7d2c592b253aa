using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The same outcomes in every mode, checked in the systems of record: completed, out of stock, declined payment,
/// shipping failure, and a repeated command. Each derived class runs the layer with one of the shipped flows.
/// </summary>
public abstract class FlowModeTests(LayerFixture layer, string mode)
{
    protected LayerFixture Layer => layer;

    [Fact]
    public async Task An_order_completes_with_stock_charge_and_shipment()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 4, unitPriceCents: 800);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.Equal(2, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Equal(1600, (await layer.BillingClient.GetChargeAsync(orderId))!.AmountCents);
        Assert.Equal(1600, order.TotalCents);
        // The default (hybrid) flow asks approval only above 1,000.00: its approval step is not taken for this order.
        Assert.All(order.Steps, s => Assert.Equal(s.Name == "approve-large-order" ? "not-taken" : "succeeded", s.Status));
        var shipment = await layer.ShippingClient.GetShipmentAsync(orderId);
        Assert.Equal(RecordStatuses.Created, shipment!.Status);
        Assert.False(string.IsNullOrEmpty(shipment.TrackingNumber));
        // The notification is recorded by its own subscriber, so it may trail the status by a moment.
        var notified = await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Notifications.Count > 0,
            TimeSpan.FromSeconds(20), "the partner notification to be recorded");
        Assert.Equal("order.completed", Assert.Single(notified.Notifications).Event);
        var listed = (await layer.GatewayClient.GetFromJsonListAsync("/api/v1/orders?limit=500")).Single(o => o.GetProperty("orderId").GetString() == orderId);
        Assert.Equal("order.completed", listed.GetProperty("notifications")[0].GetProperty("event").GetString());
        await AssertSagaRanInModeAsync(orderId, order);
    }

    [Fact]
    public async Task Out_of_stock_fails_with_nothing_charged_or_shipped()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 0);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("reserve-inventory", order.Failure!.Step);
        Assert.Contains("Not enough units", order.Failure.Reason);
        Assert.Empty(order.Compensated);
        Assert.Null(await layer.InventoryClient.GetReservationAsync(orderId));
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
        await AssertSagaRanInModeAsync(orderId, order);
    }

    [Fact]
    public async Task A_declined_payment_fails_and_releases_the_reservation()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2, payment: LayerHttp.DecliningCard));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("charge-payment", order.Failure!.Step);
        Assert.Contains("declined", order.Failure.Reason);
        Assert.Equal(["reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
        await AssertSagaRanInModeAsync(orderId, order);
    }

    [Fact]
    public async Task A_shipping_failure_refunds_and_releases_in_reverse_order()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, country: LayerHttp.UnservedCountry));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("create-shipment", order.Failure!.Step);
        Assert.Equal(["charge-payment", "reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.Equal(RecordStatuses.Refunded, charge!.Status);
        Assert.Equal(charge.AmountCents, charge.RefundedCents);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
        await AssertSagaRanInModeAsync(orderId, order);
    }

    [Fact]
    public async Task A_command_delivered_twice_charges_and_ships_once()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3, unitPriceCents: 500);
        var orderId = "ord_dup_" + Guid.NewGuid().ToString("N");
        var command = new FulfillOrderCommand(orderId, "demo", "cust-dup", [new PricedOrderLine(sku, 1, 500)], 500, "EUR",
            LayerHttp.OkCard, new ShippingAddress("Ada", "1 St", "London", "N1", "GB"), DateTimeOffset.UtcNow);
        var json = JsonSerializer.Serialize(command, JsonSerializerOptions.Web);

        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", orderId + "/fulfill", MessageTypes.FulfillOrderV1, json);
        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", orderId + "/fulfill", MessageTypes.FulfillOrderV1, json);

        var saga = await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId),
            s => s is not null && SagaStatuses.IsTerminal(s.Status), TimeSpan.FromSeconds(60), "the saga to finish");
        await Task.Delay(1000);
        Assert.Equal(SagaStatuses.Completed, saga!.Status);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Single(await layer.ShippingClient.GetFromJsonListAsync("/api/v1/shipments"), s => s.GetProperty("orderId").GetString() == orderId);
        Assert.Single(saga.History, h => h.Kind == "saga-started");
        Assert.Equal(0u, await layer.Broker.MessageCountAsync("process.order-fulfillment.dead-letter"));
    }

    /// <summary>The order's saga ran in this class's mode and shows the same steps as the order.</summary>
    private async Task AssertSagaRanInModeAsync(string orderId, OrderView order)
    {
        var saga = await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId),
            s => s is not null && s.Status == order.Status, TimeSpan.FromSeconds(30), "the saga view to agree with the order");
        var view = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.Equal(mode, view.GetProperty("mode").GetString());
        Assert.Equal(order.Steps.Select(s => (s.Name, s.Status)), saga!.Steps.Select(s => (s.Name, s.Status)));
        await AssertModeSpecificsAsync(orderId);
    }

    protected virtual Task AssertModeSpecificsAsync(string orderId) => Task.CompletedTask;
}

public sealed class OrchestrationModeTests(OrchestrationModeTests.Fixture layer) : FlowModeTests(layer, "orchestration"), IClassFixture<OrchestrationModeTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o => o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-orchestrated"));
}

/// <summary>
/// Choreography: the process API is given WireMock addresses for the system APIs, so any call a coordinator made
/// would show there; the participants beside each system API call their own APIs directly.
/// </summary>
public sealed class ChoreographyModeTests(ChoreographyModeTests.Fixture layer) : FlowModeTests(layer, "choreography"), IClassFixture<ChoreographyModeTests.Fixture>
{
    public sealed class Fixture() : LayerFixture(o =>
    {
        o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-choreographed");
        o.WireMockInFrontOf.UnionWith([LayerService.Inventory, LayerService.Billing, LayerService.Shipping]);
    });

    protected override async Task AssertModeSpecificsAsync(string orderId)
    {
        foreach (var mock in new[] { Layer.InventoryMock!, Layer.BillingMock!, Layer.ShippingMock! })
        {
            Assert.Equal(0, await mock.CountRequestsAsync("POST", "/api/v1/.*"));
        }

        var saga = await Layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind.StartsWith("event ", StringComparison.Ordinal));
        Assert.DoesNotContain(saga.History, h => h.Kind == "step-started");
    }

    [Fact]
    public async Task Each_participant_is_bound_to_its_own_turn_and_a_new_subscriber_still_receives_every_event_once()
    {
        var listener = "test.every-event." + Guid.NewGuid().ToString("N");
        await Layer.Broker.DeclareQueueAsync(listener, "apiled.events", "#");
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 1);

        var orderId = await Layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await Layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal("completed", order.Status);
        // The partner's view comes from the saga's own events only, yet shows every step: the outcome carries them all.
        Assert.Equal(["succeeded", "succeeded", "succeeded"], order.Steps.Select(s => s.Status));

        var events = await Layer.Broker.WaitForMessagesAsync(listener, 5, TimeSpan.FromSeconds(30));
        var ofOrder = events.Where(e => e.MessageId!.StartsWith(orderId + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["order.processing", "inventory.reserved", "payment.charged", "shipment.created", "order.completed"],
            ofOrder.Select(e => e.RoutingKey));
        Assert.Equal(ofOrder.Count, ofOrder.Select(e => e.MessageId).Distinct().Count());
        Assert.All(ofOrder, e => Assert.Null(e.Header("BCC"))); // the extra routing keys are removed before delivery

        var bindings = await RabbitMqTestBroker.RabbitMqCtlAsync(
            ["list_bindings", "-p", Layer.Broker.VirtualHost, "source_name", "destination_name", "routing_key", "--no-table-headers", "--quiet"]);
        var fromEvents = bindings.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(b => b.Length == 3 && b[0] == "apiled.events")
            .ToLookup(b => b[1], b => b[2]);
        foreach (var system in new[] { "inventory", "billing", "shipping" })
        {
            Assert.Equal([$"choreography.{system}"], fromEvents[$"{system}.choreography"]);
        }

        Assert.Equal(["choreography.tracker"], fromEvents["process.saga-tracker"]);
        // The status read model takes the saga's own events, not the step events (each would be one more delivery).
        Assert.Equal(["order.approval-decided", "order.awaiting-approval", "order.cancelled", "order.cancelling", "order.completed", "order.failed",
                "order.needs-attention", "order.processing"],
            fromEvents["experience.order-status"].Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_tracker_is_sent_the_last_participants_batch_once_and_keeps_a_history_line_for_each_event()
    {
        var listener = "test.tracker-copies." + Guid.NewGuid().ToString("N");
        await Layer.Broker.DeclareQueueAsync(listener, "apiled.events", "choreography.tracker"); // what the tracker is sent
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 1);

        var orderId = await Layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        Assert.Equal("completed", (await Layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
        var saga = await Layer.ProcessApiClient.WaitForSagaAsync(orderId, SagaStatuses.Completed);

        // Shipping's participant ends the saga: its step's event and the outcome, one delivery to the tracker.
        var copies = (await Layer.Broker.WaitForMessagesAsync(listener, 3, TimeSpan.FromSeconds(30)))
            .Where(e => e.MessageId!.StartsWith(orderId + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["inventory.reserved", "payment.charged", "order.completed"], copies.Select(e => e.RoutingKey));
        Assert.Equal("shipment.created", copies[^1].Header("apiled-earlier-events"));
        Assert.All(copies.SkipLast(1), e => Assert.Null(e.Header("apiled-earlier-events")));

        // ... yet the saga's history has a line for each event, in the order they were published.
        var lines = saga.History.Select(h => h.Kind).ToList();
        var shipped = lines.IndexOf("event shipment.created");
        Assert.True(shipped >= 0, string.Join(", ", lines));
        Assert.Equal("event order.completed", lines[shipped + 1]);
        Assert.Single(lines, l => l == "event order.completed");
    }

    [Fact]
    public async Task A_saga_event_a_participant_cannot_read_is_dead_lettered()
    {
        var messageId = "bad-event-" + Guid.NewGuid().ToString("N");
        // Routed as the events of a choreographed saga reach the inventory participant (see ChoreographyQueues).
        await Layer.Broker.PublishAsync("apiled.events", "choreography.inventory", messageId, "apiled.inventory.reserved.v2", "{ not json");

        var dead = await Layer.Broker.WaitForMessagesAsync("inventory.choreography.dead-letter", 1, TimeSpan.FromSeconds(30));
        Assert.Contains(dead, m => m.MessageId == messageId);
    }
}
