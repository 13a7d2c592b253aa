using ApiLed.IntegrationTests.Infrastructure;

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
        var orders = await layer.OrdersEndOnceWhenTheFirstInventoryDiesAsync();

        // Billing's first instance (behind WireMock) took some of the charges, its second the others: the calls were spread.
        var throughFirst = await layer.BillingMock!.CountRequestsAsync("POST", "/api/v1/charges");
        Assert.InRange(throughFirst, orders.Count / 4, orders.Count * 3 / 4);
    }
}
