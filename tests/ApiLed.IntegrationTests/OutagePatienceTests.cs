using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Billing restarts while orders flow in the default hybrid mode: an outage shorter than the patience delays the
/// orders and fails none of them; each completes with one charge once billing is back.
/// </summary>
public sealed class OutagePatienceTests(LayerFixture layer) : IClassFixture<LayerFixture>
{
    [Fact]
    public async Task A_billing_outage_shorter_than_the_patience_delays_orders_and_they_complete_once_billing_is_back()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 20);

        await layer.Billing.StopAsync();
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                ids.Add(await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)));
            }

            await Task.Delay(TimeSpan.FromSeconds(8)); // far past the 4 attempts a step gets while its system answers
            foreach (var id in ids)
            {
                Assert.False(SagaStatuses.IsTerminal((await layer.GatewayClient.GetOrderAsync(id)).Status), $"order {id} must wait for billing");
            }
        }
        finally
        {
            await layer.Billing.RestartAsync();
        }

        var charges = new List<ChargeResponse>();
        foreach (var id in ids)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(id, TimeSpan.FromSeconds(90))).Status);
        }

        charges.AddRange(await layer.BillingClient.ListChargesAsync());
        Assert.All(ids, id => Assert.Single(charges, c => c.OrderId == id && c.Status == RecordStatuses.Charged));
        Assert.Equal(ids.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
    }
}
