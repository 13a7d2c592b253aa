using System.Net.Http.Json;
using System.Net;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>Settings shared by the choreography recovery fixtures: the choreographed flow, and a quick recovery scan.</summary>
internal static class ChoreographedLayer
{
    public static void Configure(LayerOptions o, string patience)
    {
        o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-choreographed");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Patience", patience);
        o.SetEnvironment(LayerService.ProcessApi, "Saga__StallGrace", "00:00:01");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
        foreach (var step in new[] { 0, 1, 2 })
        {
            o.SetEnvironment(LayerService.ProcessApi, $"Flows__Definitions__order-fulfillment-choreographed__Steps__{step}__Timeout", "00:00:02");
        }
    }

    public static async Task<List<string>> PlaceOrdersAsync(LayerFixture layer, string sku, int count, int concurrency)
    {
        var ids = new List<string>();
        using var slots = new SemaphoreSlim(concurrency);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await slots.WaitAsync();
            try
            {
                var id = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
                lock (ids)
                {
                    ids.Add(id);
                }
            }
            finally
            {
                slots.Release();
            }
        }));
        return ids;
    }
}

/// <summary>
/// A burst of choreographed orders far above what the layer completes per second, with step budgets of 2 s and a
/// patience of 2 s: events wait in the queues far longer than that, yet no saga is taken for stalled, nothing is
/// parked, and no partner is told an order needs attention.
/// </summary>
public sealed class ChoreographyBurstTests(ChoreographyBurstTests.Layer layer) : IClassFixture<ChoreographyBurstTests.Layer>
{
    public sealed class Layer() : LayerFixture(o =>
    {
        ChoreographedLayer.Configure(o, patience: "00:00:02");
    });

    [Fact]
    public async Task A_burst_far_above_throughput_completes_with_no_stall_flagged_and_no_needs_attention_notification()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1000, unitPriceCents: 100);

        var ids = await ChoreographedLayer.PlaceOrdersAsync(layer, sku, count: 300, concurrency: 48);

        foreach (var id in ids)
        {
            var order = await layer.GatewayClient.WaitForTerminalAsync(id, TimeSpan.FromMinutes(4));
            Assert.Equal(SagaStatuses.Completed, order.Status);
            Assert.DoesNotContain(order.Notifications, n => n.Event == "order.needs-attention");
        }

        Assert.Equal(ids.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        foreach (var id in ids.Take(50))
        {
            var saga = await layer.ProcessApiClient.GetSagaAsync(id);
            Assert.DoesNotContain(saga!.History, h => h.Kind == "saga-taken-over");
        }

        Assert.Equal(0u, await layer.Broker.MessageCountAsync("process.parking-lot"));
        var parked = await layer.ProcessApiClient.GetStringAsync("/api/v1/sagas?status=needs-attention");
        Assert.Equal("[]", parked.Trim());
    }
}

/// <summary>
/// The RabbitMQ application is stopped and started while choreographed orders flow: every participant, the
/// tracker and the relays come back on their own, and every order completes with no service restarted.
/// </summary>
public sealed class ChoreographyBrokerRestartTests(ChoreographyBrokerRestartTests.Layer layer) : IClassFixture<ChoreographyBrokerRestartTests.Layer>
{
    public sealed class Layer() : LayerFixture(o =>
    {
        ChoreographedLayer.Configure(o, patience: "00:05:00");
    });

    [Fact]
    public async Task A_broker_restart_while_choreographed_orders_flow_leaves_every_order_completed_with_no_service_restart()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1000, unitPriceCents: 100);
        var processIds = new[] { layer.Inventory, layer.Billing, layer.Shipping, layer.ProcessApi, layer.ExperienceApi }.Select(s => s.ProcessId).ToList();

        var before = await ChoreographedLayer.PlaceOrdersAsync(layer, sku, count: 120, concurrency: 16);
        await layer.Broker.StopBrokerAppAsync();
        List<string> during;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            during = await ChoreographedLayer.PlaceOrdersAsync(layer, sku, count: 10, concurrency: 4);
        }
        finally
        {
            await layer.Broker.StartBrokerAppAsync();
        }

        var after = await ChoreographedLayer.PlaceOrdersAsync(layer, sku, count: 40, concurrency: 8);
        var all = before.Concat(during).Concat(after).ToList();
        foreach (var id in all)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(id, TimeSpan.FromMinutes(3))).Status);
        }

        Assert.Equal(all.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var charges = await layer.BillingClient.ListChargesAsync();
        Assert.All(all, id => Assert.Single(charges, c => c.OrderId == id && c.Status == RecordStatuses.Charged));
        Assert.Equal(processIds, new[] { layer.Inventory, layer.Billing, layer.Shipping, layer.ProcessApi, layer.ExperienceApi }.Select(s => s.ProcessId));
        foreach (var service in new[] { layer.InventoryClient, layer.BillingClient, layer.ShippingClient, layer.ProcessApiClient })
        {
            await Eventually.GetAsync(() => service.GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
                "every broker client of " + service.BaseAddress + " to report ready again");
        }
    }
}

/// <summary>
/// A participant that never reacts (shipping's is switched off): after the patience the process API takes the
/// saga over and compensates every step not known to be settled — the shipment it never saw included, leaving the
/// tombstone that would refuse a late one — and the order fails cleanly.
/// </summary>
public sealed class StalledChoreographyTests(StalledChoreographyTests.Layer layer) : IClassFixture<StalledChoreographyTests.Layer>
{
    public sealed class Layer() : LayerFixture(o =>
    {
        ChoreographedLayer.Configure(o, patience: "00:00:02");
        o.SetEnvironment(LayerService.Shipping, "Choreography__Enabled", "false");
    });

    [Fact]
    public async Task An_order_whose_next_participant_never_reacts_is_taken_over_and_compensated_by_the_process_api()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("create-shipment", order.Failure!.Step);
        Assert.Equal(RecordStatuses.Refunded, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(RecordStatuses.Voided, (await layer.ShippingClient.GetShipmentAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind == "saga-taken-over" && h.Step == "create-shipment");
        Assert.Contains(saga.History, h => h.Kind == "step-compensated" && h.Step == "create-shipment");
        Assert.Equal(0u, await layer.Broker.MessageCountAsync("process.parking-lot"));
    }
}

/// <summary>
/// Billing (its API and its participant, one process) goes down while a choreographed order waits for it. After
/// the patience the process API takes the saga over; the refund cannot reach billing, so the saga is parked.
/// Billing comes back and its participant receives the late event while an operator retries the compensation:
/// the saga ends with one outcome, failed, and no money or stock is kept.
/// </summary>
public sealed class LateChoreographyEventTests(LateChoreographyEventTests.Layer layer) : IClassFixture<LateChoreographyEventTests.Layer>
{
    public sealed class Layer() : LayerFixture(o =>
    {
        ChoreographedLayer.Configure(o, patience: "00:00:02");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__MaxAttempts", "2");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Timeout", "00:00:03");
    });

    [Fact]
    public async Task A_late_event_after_an_operator_acted_on_a_stalled_saga_leaves_one_outcome_and_nothing_kept()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3, unitPriceCents: 700);
        await layer.Billing.StopAsync();
        string orderId;
        try
        {
            orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
            var parked = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
            Assert.Equal(SagaStatuses.NeedsAttention, parked.Status);
            var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
            Assert.Contains(saga!.History, h => h.Kind == "saga-taken-over" && h.Step == "charge-payment");
        }
        finally
        {
            await layer.Billing.RestartAsync();
        }

        using var retry = await layer.ProcessApiClient.PostAsJsonAsync($"/api/v1/sagas/{orderId}/retry-compensation", new { by = "ops-test", reason = "the system is back" });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        var order = await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == SagaStatuses.Failed,
            TimeSpan.FromSeconds(60), "the retried compensation to fail the order");
        await Task.Delay(TimeSpan.FromSeconds(5)); // let the participant's late branch play out
        Assert.Equal(SagaStatuses.Failed, (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        Assert.Equal(SagaStatuses.Failed, (await layer.ProcessApiClient.GetSagaAsync(orderId))!.Status);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.True(charge is null || charge.Status == RecordStatuses.Voided || (charge.Status == RecordStatuses.Refunded && charge.RefundedCents == charge.AmountCents),
            $"no money may be kept, found {charge}");
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var shipment = await layer.ShippingClient.GetShipmentAsync(orderId);
        Assert.True(shipment is null || shipment.Status != RecordStatuses.Created, $"no shipment may stand, found {shipment}");
        Assert.Contains(order.Compensated, s => s == "reserve-inventory");
    }
}
