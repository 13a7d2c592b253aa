using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Two instances of each system API, and so two participants on each choreography queue, on one PostgreSQL store per
/// system (test.sh's PostgreSQL pass), choreographed: the participants share each queue's events, and when one inventory
/// instance is killed under load the other takes the events it held. Every order ends completed once, with one
/// reservation, one charge and one shipment: an event handled twice is absorbed by the shared inbox and idempotency keys.
/// </summary>
public sealed class ParticipantInstancesTests(ParticipantInstancesTests.Choreographed layer) : IClassFixture<ParticipantInstancesTests.Choreographed>
{
    public sealed class Choreographed() : TwoInstancesOfEachSystem("order-fulfillment-choreographed", billingBehindWireMock: false);

    [Fact]
    public async Task Participants_share_their_queue_and_orders_end_once_when_one_instance_is_killed_under_load()
    {
        Assert.True(TestStores.OnPostgres, "Several system API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        using var inventory = layer.Second(LayerService.Inventory).CreateClient();
        var sku = LayerHttp.NewSku();
        await inventory.SetStockAsync(sku, onHand: 1000);

        var orders = new List<string>();
        for (var batch = 0; batch < 4; batch++)
        {
            orders.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)))));
            if (batch == 1)
            {
                // Events are flowing: the first inventory instance (and its participant) dies in the middle of them.
                layer.Inventory.Kill();
            }
        }

        foreach (var orderId in orders)
        {
            var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
            Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{layer.DescribeLogs()}");
        }

        Assert.Equal(orders.Count, (await inventory.GetStockAsync(sku)).Reserved);
        var charges = (await layer.BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        foreach (var orderId in orders)
        {
            Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        }

        // Both billing participants take their events from the one queue: each instance is a consumer of it.
        Assert.Equal(2u, await layer.Broker.ConsumerCountAsync("billing.choreography"));
    }
}
