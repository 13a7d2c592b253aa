using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The operator console (<c>/console</c> on the gateway) in headless Chromium against the real layer (the default, hybrid
/// flow; WireMock in front of shipping to park a saga): the operator pastes a key once, then finds an order, reads its
/// timeline and a failed order's compensations, redrives a parked saga, replays a dead letter and gives an approval,
/// each checked against the system APIs' records. Every test writes a screenshot to <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleTests(ConsoleTests.Fixture layer) : IClassFixture<ConsoleTests.Fixture>, IAsyncLifetime
{
    public sealed class Fixture() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Shipping);
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__MaxAttempts", "3");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__BaseDelay", "00:00:00.100");
        o.SetEnvironment(LayerService.Gateway, "Console__TraceViewerUrl", "http://127.0.0.1:16686/trace/{traceId}");
    });

    private static readonly string Screenshots = Path.Combine(RepoPaths.Root, "TestResults", "console");
    private HeadlessChromium? chromium;
    private IPage page = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        chromium = await HeadlessChromium.LaunchAsync();
        page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync("checked by the console test"); // the reason every action asks for
        await page.GotoAsync(layer.Gateway.BaseUrl + "/console");
        await page.FillAsync("#api-key", TestPartners.Operator.Key);
        await page.FillAsync("#operator-name", "ops-console");
        await page.ClickAsync("#save-identity");
        await Expect(page.Locator("#identity-status")).ToHaveTextAsync("key saved");
    }

    public async Task DisposeAsync()
    {
        if (chromium is not null)
        {
            await chromium.DisposeAsync();
        }
    }

    private Task ShotAsync(string name) => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private async Task SearchAsync(string customer)
    {
        await page.ClickAsync("nav button[data-tab=search]");
        await page.FillAsync("#search-form input[name=customer]", customer);
        await page.ClickAsync("#search-button");
    }


    [Fact]
    public async Task A_search_finds_an_order_and_its_timeline_shows_the_steps_in_order()
    {
        var customer = "cust-console-" + Guid.NewGuid().ToString("N")[..8];
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, customerId: customer));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        await SearchAsync(customer);
        var row = page.Locator($"#search-results tr[data-order='{orderId}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("completed");
        await ShotAsync("search");

        await row.ClickAsync();
        await Expect(page.Locator("#timeline-order")).ToHaveTextAsync(orderId);
        await Expect(page.Locator("#timeline-status")).ToHaveTextAsync("completed");
        var flowSteps = (await layer.ProcessApiClient.GetSagaAsync(orderId))!.Steps.Select(s => s.Name);
        Assert.Equal(flowSteps, await page.Locator("#timeline-steps tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.step)"));
        var succeeded = await page.Locator("#timeline-entries li[data-what='step-succeeded']").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.step)");
        Assert.Equal(["reserve-inventory", "charge-payment", "create-shipment"], succeeded);
        await Expect(page.Locator("#timeline-trace")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^http://127.0.0.1:16686/trace/[0-9a-f]{32}$"));
        await ShotAsync("timeline");
    }

    [Fact]
    public async Task The_live_view_shows_the_rates_from_the_metrics_and_completions_per_minute_for_the_mode()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        await page.ClickAsync("nav button[data-tab=live]");
        var now = page.Locator("#live-now tr[data-mode=hybrid] td[data-count=completed]"); // drawn from the process API's metrics
        await Expect(now).ToBeVisibleAsync();
        Assert.True(int.Parse(await now.GetAttributeAsync("data-total") ?? "0") >= 1, "the completed order is in the process API's counters");
        await Expect(now).ToContainTextAsync("/min", new() { Timeout = 15_000 }); // the second sample gives a rate
        await Expect(page.Locator("#live-chart [data-chart-mode=hybrid]")).ToBeVisibleAsync();
        var completed = await page.Locator("#live-table tr[data-mode=hybrid] td.completed").AllTextContentsAsync();
        Assert.True(completed.Sum(int.Parse) >= 1, "the completed order is counted in its minute");
        await ShotAsync("live");
    }

    [Fact]
    public async Task A_failed_order_s_timeline_shows_its_compensations()
    {
        var customer = "cust-console-" + Guid.NewGuid().ToString("N")[..8];
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard, customerId: customer));
        Assert.Equal(SagaStatuses.Failed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        await SearchAsync(customer);
        await page.ClickAsync($"#search-results tr[data-order='{orderId}']");
        await Expect(page.Locator("#timeline-status")).ToHaveTextAsync("failed");
        await Expect(page.Locator("#timeline-entries li[data-kind='compensation'][data-what='step-compensated'][data-step='reserve-inventory']")).ToBeVisibleAsync();
        await Expect(page.Locator("#timeline-entries li[data-what='step-failed'][data-step='charge-payment']")).ToBeVisibleAsync();
        await Expect(page.Locator("#timeline-steps tr[data-step='reserve-inventory'] .step-status")).ToHaveTextAsync("compensated");
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        await ShotAsync("failed-order-compensations");
    }

    [Fact]
    public async Task A_parked_saga_is_redriven_from_the_page_and_completes()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var create = await layer.ShippingMock!.AlwaysFailAsync("POST", "/api/v1/shipments", 500);
        var cancel = await layer.ShippingMock!.AlwaysFailAsync("POST", "/api/v1/shipments/[^/]+/cancel", 500);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        Assert.Equal(SagaStatuses.NeedsAttention, (await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60))).Status);

        await page.ClickAsync("nav button[data-tab=parked]");
        var parked = page.Locator($"#parked-list [data-parked='{orderId}']");
        await Expect(parked).ToBeVisibleAsync();
        await Expect(parked).ToContainTextAsync("redrive");
        await ShotAsync("parked");

        await layer.ShippingMock.RemoveMappingAsync(create);
        await layer.ShippingMock.RemoveMappingAsync(cancel);
        await parked.Locator("button[data-action=redrive]").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("taken for " + orderId);
        var order = await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == SagaStatuses.Completed,
            TimeSpan.FromSeconds(60), "the redriven order to complete");
        Assert.Equal("succeeded", order.StepStatus("create-shipment"));
        Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind == "operator-redrive" && h.Detail == "redriven by ops-console: checked by the console test");
        await ShotAsync("parked-redriven");
    }

    [Fact]
    public async Task A_dead_letter_is_replayed_from_the_page_and_processed()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3, unitPriceCents: 900);
        var orderId = "ord_console_dead_" + Guid.NewGuid().ToString("N");
        var command = JsonSerializer.Serialize(new FulfillOrderCommand(orderId, "demo", "cust-dead", [new PricedOrderLine(sku, 1, 900)], 900, "EUR",
            LayerHttp.OkCard, new ShippingAddress("Ada", "1 St", "London", "N1", "GB"), DateTimeOffset.UtcNow), JsonSerializerOptions.Web);
        await layer.Broker.PublishAsync("apiled.dead-letter", "process.order-fulfillment", orderId + "/fulfill", MessageTypes.FulfillOrderV1, command,
            new Dictionary<string, object?> { ["x-first-death-reason"] = "delivery_limit" });

        await page.ClickAsync("nav button[data-tab=dead-letters]");
        var queue = page.Locator("#dead-letter-queues tr[data-queue='process.order-fulfillment']");
        await Expect(queue).ToBeVisibleAsync();
        await queue.Locator("button").ClickAsync();
        var message = page.Locator($"#dead-letter-messages tr[data-message='{orderId}/fulfill']");
        await Expect(message).ToContainTextAsync("delivery_limit");
        await ShotAsync("dead-letters");

        await message.Locator("input[type=checkbox]").CheckAsync();
        await page.ClickAsync("#dead-letters-replay");
        await Expect(page.Locator("#message")).ToContainTextAsync("1 replayed");
        await Expect(message).ToHaveCountAsync(0);
        await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId), s => s is { Status: SagaStatuses.Completed },
            TimeSpan.FromSeconds(30), "the replayed command's saga to complete");
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        await ShotAsync("dead-letter-replayed");
    }

    [Fact]
    public async Task An_approval_is_given_from_the_page()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000); // above 1,000.00: the default flow asks
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == "awaiting-approval", TimeSpan.FromSeconds(30), "the order to wait for approval");

        await page.ClickAsync("nav button[data-tab=approvals]");
        var row = page.Locator($"#approvals tr[data-approval='{orderId}']");
        await Expect(row).ToContainTextAsync("1500.00 EUR");
        await ShotAsync("approvals");

        await row.Locator("button[data-decision=approve]").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync(orderId + ": approved");
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind == "approval-approved" && h.Detail!.StartsWith("approved by ops-console: checked by the console test", StringComparison.Ordinal));
        await ShotAsync("approval-given");
    }
}
