using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Two instances of each system API on one PostgreSQL store (test.sh's PostgreSQL pass), orchestrated: the process API
/// spreads its calls over both instances of each system, and when one inventory instance is killed under load it goes on
/// with the other. Every order ends completed once, with one reservation, one charge and one shipment.
/// </summary>
public sealed class SystemApiInstancesTests(SystemApiInstancesTests.Orchestrated layer) : IClassFixture<SystemApiInstancesTests.Orchestrated>
{
    public sealed class Orchestrated() : TwoInstancesOfEachSystem("order-fulfillment-orchestrated", billingBehindWireMock: true);

    [Fact]
    public async Task Calls_are_spread_over_both_instances_of_a_system_and_go_on_when_one_is_killed_under_load()
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
                // Sagas are under way: the first inventory instance dies in the middle of them.
                layer.Inventory.Kill();
            }
        }

        foreach (var orderId in orders)
        {
            var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
            Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{layer.DescribeLogs()}");
        }

        // One of each side effect per order, whichever instance made it.
        Assert.Equal(orders.Count, (await inventory.GetStockAsync(sku)).Reserved);
        var charges = (await layer.BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        foreach (var orderId in orders)
        {
            Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        }

        // Billing's first instance (behind WireMock) took some of the charges, its second the others: the calls were spread.
        var throughFirst = await layer.BillingMock!.CountRequestsAsync("POST", "/api/v1/charges");
        Assert.InRange(throughFirst, orders.Count / 4, orders.Count * 3 / 4);
    }
}
