using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The layer on a three-node RabbitMQ cluster (test.sh's cluster pass starts one and sets <c>APILED_RABBITMQ_NODES</c>):
/// a node stopped under load loses nothing, every client fails over to the others, and every order ends.
/// </summary>
public sealed class BrokerClusterTests(LayerFixture layer) : IClassFixture<LayerFixture>
{
    [Fact]
    public async Task A_node_stopped_under_load_loses_nothing_and_every_order_ends()
    {
        Assert.True(RabbitMqTestBroker.Nodes.Count >= 3,
            "This test needs a RabbitMQ cluster of three nodes: run it through ./test.sh (its cluster pass), which starts one.");
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1000);

        var orders = new List<string>();
        async Task PlaceAsync(int count) => orders.AddRange(await Task.WhenAll(Enumerable.Range(0, count)
            .Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)))));

        await PlaceAsync(20);
        // The first node is the one every client was told first: stop it while orders flow.
        var stopped = RabbitMqTestBroker.Nodes[0];
        var placing = Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await PlaceAsync(10);
                await Task.Delay(250);
            }
        });
        await RabbitMqTestBroker.StopNodeAsync(stopped);
        try
        {
            await placing;
            await PlaceAsync(20);

            foreach (var orderId in orders)
            {
                var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(120));
                Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{layer.DescribeLogs()}");
            }
        }
        finally
        {
            await RabbitMqTestBroker.StartNodeAsync(stopped);
        }

        var charges = (await layer.BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        Assert.Equal(orders.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
    }
}
