using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Two process API instances share one PostgreSQL store (test.sh's PostgreSQL pass; a SQLite file has one instance):
/// each saga is run by one of them at a time, and when one is killed under load the other takes its sagas over once
/// their claims lapse. Every order ends once, and the systems of record hold one charge, one reservation and one
/// shipment per order.
/// </summary>
public sealed class MultipleInstanceTests(MultipleInstanceTests.TwoProcessApis layer) : IClassFixture<MultipleInstanceTests.TwoProcessApis>
{
    public sealed class TwoProcessApis() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Billing);
        o.SetEnvironment(LayerService.ProcessApi, "Saga__LeaseDuration", "00:00:03");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
        o.SetEnvironment(LayerService.ProcessApi, "RabbitMq__Prefetch", "8");
    });

    [Fact]
    public async Task Orders_under_load_end_once_when_one_of_two_process_apis_is_killed()
    {
        Assert.True(TestStores.OnPostgres, "Several process API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        var second = await layer.StartInstanceAsync(LayerService.ProcessApi, 2);
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1000);
        // Every charge takes a while, so that both instances have sagas in the middle of a step when one dies.
        await layer.BillingMock!.DelayThenProxyAsync("POST", "/api/v1/charges", 400, layer.BaseUrl(LayerService.Billing));

        var orders = new List<string>();
        foreach (var batch in Enumerable.Range(0, 6))
        {
            orders.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)))));
        }

        // Each instance runs at most its prefetch (8) sagas at once: with more than 8 running, both are in the middle of
        // some. Then kill the first.
        await Eventually.GetAsync(() => layer.ProcessApiClient.SagaCountAsync(SagaStatuses.Running), n => n >= 12, TimeSpan.FromSeconds(30),
            "both instances to be running sagas");
        layer.ProcessApi.Kill();

        using var survivor = second.CreateClient();
        foreach (var orderId in orders)
        {
            var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(120));
            Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{layer.DescribeLogs()}");
        }

        // One of each side effect per order: a resumed step repeated its call under the same key and got the first answer.
        var charges = (await layer.BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        Assert.All(charges, c => Assert.Equal(RecordStatuses.Charged, c.Status));
        Assert.Equal(orders.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        foreach (var orderId in orders)
        {
            Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        }

        // The survivor took over sagas the killed instance held: at least one step was resumed there.
        var resumed = 0;
        foreach (var orderId in orders)
        {
            var saga = await survivor.GetSagaAsync(orderId);
            Assert.NotNull(saga);
            Assert.Single(saga.History, h => h.Kind == "saga-completed");
            resumed += saga.History.Count(h => h.Kind == "step-resumed");
        }

        Assert.True(resumed > 0, "no saga was resumed: the killed instance ran none in the middle of a step");
        Assert.Equal(0, await survivor.SagaCountAsync(SagaStatuses.Running));
    }
}
