using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The operator console in headless Chromium against two process API instances behind the gateway, on one PostgreSQL
/// store (test.sh's PostgreSQL pass): each instance counts the sagas it ran, each of the console's samples reaches one
/// of them, and the live view shows the sum of every instance's counters, not whichever instance answered last.
/// </summary>
public sealed class ConsoleInstancesTests(ConsoleInstancesTests.TwoProcessApis layer) : IClassFixture<ConsoleInstancesTests.TwoProcessApis>
{
    public sealed class TwoProcessApis : LayerFixture
    {
        private readonly int secondPort = FreePorts.Next();

        public ServiceProcess? Second { get; private set; }

        protected override void Configure(LayerOptions options) =>
            options.SetEnvironment(LayerService.Gateway, "Gateway__ProcessApiReplicas__0", $"http://127.0.0.1:{secondPort}");

        protected override async Task OnStartedAsync()
        {
            if (TestStores.OnPostgres)
            {
                Second = await StartInstanceAsync(LayerService.ProcessApi, 2, secondPort);
            }
        }
    }

    [Fact]
    public async Task The_live_view_sums_the_counters_of_every_process_api_instance()
    {
        Assert.True(TestStores.OnPostgres, "Several process API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 10);
        // Both instances consume the command queue, which hands them the orders in turn: each runs some of them.
        var orders = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku))));
        foreach (var orderId in orders)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
        }

        using var first = layer.ProcessApi.CreateClient();
        using var second = layer.Second!.CreateClient();
        var ranFirst = await Completed(first);
        var ranSecond = await Completed(second);
        Assert.Equal(6, ranFirst + ranSecond);
        Assert.True(ranFirst > 0 && ranSecond > 0, $"the instances ran {ranFirst} and {ranSecond} of the orders: each should have run some");

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(layer.Gateway.BaseUrl + "/console");
        await page.FillAsync("#api-key", TestPartners.Operator.Key);
        await page.FillAsync("#operator-name", "ops-console");
        await page.ClickAsync("#save-identity");
        await page.ClickAsync("nav button[data-tab=live]");

        // Once the console has heard from both instances (its samples are balanced between them), it shows all six.
        var completed = page.Locator("#live-now tr[data-mode=hybrid] td[data-count=completed]");
        await Expect(completed).ToHaveAttributeAsync("data-total", "6", new() { Timeout = 60_000 });
    }

    /// <summary>The sagas one instance completed, from its own counter.</summary>
    private static async Task<int> Completed(HttpClient instance)
    {
        var metrics = await instance.GetStringAsync("/api/v1/stats/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("apiled_sagas_finished_total{", StringComparison.Ordinal) && l.Contains("status=\"completed\"", StringComparison.Ordinal))
            .Sum(l => (int)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
