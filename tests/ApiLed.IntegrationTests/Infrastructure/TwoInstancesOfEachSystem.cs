using ApiLed.Contracts;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>
/// The layer with two instances each of the inventory, billing and shipping APIs (and so of their choreography
/// participants) on one PostgreSQL store per system: the second instances start on ports reserved beforehand, and the
/// process API is told of them (<c>Flows__Systems__{system}__Replicas__0</c>). On SQLite (a file has one instance) the
/// second instances are not started, and the tests say so.
/// </summary>
public class TwoInstancesOfEachSystem(string flow, bool billingBehindWireMock) : LayerFixture
{
    /// <summary>The systems that run twice.</summary>
    public static readonly IReadOnlyList<LayerService> Systems = [LayerService.Inventory, LayerService.Billing, LayerService.Shipping];

    private readonly Dictionary<LayerService, int> secondPorts = Systems.ToDictionary(s => s, _ => FreePorts.Next());
    private readonly Dictionary<LayerService, ServiceProcess> seconds = [];

    /// <summary>The second instance of a system.</summary>
    public ServiceProcess Second(LayerService system) => seconds[system];

    /// <summary>
    /// The scenario both modes' tests share: 40 orders placed in batches of 10 through the gateway, the first inventory
    /// instance killed once 20 are under way; then every order must end completed, with one reservation, one charge and
    /// one shipment each (read from the surviving inventory instance and the billing and shipping stores). Returns the orders.
    /// </summary>
    public async Task<IReadOnlyList<string>> OrdersEndOnceWhenTheFirstInventoryDiesAsync()
    {
        Assert.True(TestStores.OnPostgres, "Several system API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        using var inventory = Second(LayerService.Inventory).CreateClient();
        var sku = LayerHttp.NewSku();
        await inventory.SetStockAsync(sku, onHand: 1000);

        var orders = new List<string>();
        for (var batch = 0; batch < 4; batch++)
        {
            orders.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)))));
            if (batch == 1)
            {
                Inventory.Kill();
            }
        }

        foreach (var orderId in orders)
        {
            var order = await GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
            Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{DescribeLogs()}");
        }

        Assert.Equal(orders.Count, (await inventory.GetStockAsync(sku)).Reserved);
        var charges = (await BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        foreach (var orderId in orders)
        {
            Assert.NotNull(await ShippingClient.GetShipmentAsync(orderId));
        }

        return orders;
    }

    protected override void Configure(LayerOptions options)
    {
        options.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", flow);
        if (billingBehindWireMock)
        {
            options.WireMockInFrontOf.Add(LayerService.Billing);
        }

        foreach (var system in Systems)
        {
            options.SetEnvironment(LayerService.ProcessApi, $"Flows__Systems__{system.ToString().ToLowerInvariant()}__Replicas__0", $"http://127.0.0.1:{secondPorts[system]}");
        }
    }

    protected override async Task OnStartedAsync()
    {
        if (!TestStores.OnPostgres)
        {
            return;
        }

        var started = await Task.WhenAll(Systems.Select(s => StartInstanceAsync(s, 2, secondPorts[s])));
        for (var i = 0; i < Systems.Count; i++)
        {
            seconds[Systems[i]] = started[i];
        }
    }
}
