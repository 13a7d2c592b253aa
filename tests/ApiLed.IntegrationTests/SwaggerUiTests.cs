using System.Net;
using System.Text.Json;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApiLed.IntegrationTests;

/// <summary>The gateway's Swagger UI in a real browser: Debian's Chromium, headless, driven by Playwright for .NET.</summary>
[Collection(PartnerLayerCollection.Name)]
public sealed class SwaggerUiTests(PartnerLayer layer) : IAsyncLifetime
{
    private HeadlessChromium? chromium;
    private IBrowser? browser;

    public async Task InitializeAsync()
    {
        chromium = await HeadlessChromium.LaunchAsync();
        browser = chromium.Browser;
    }

    public async Task DisposeAsync()
    {
        if (chromium is not null)
        {
            await chromium.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_page_renders_the_experience_api_and_offers_every_public_api_in_its_selector()
    {
        var page = await browser!.NewPageAsync();

        await page.GotoAsync(layer.Gateway.BaseUrl + "/swagger/index.html");

        await Expect(page.Locator(".information-container .title")).ToContainTextAsync("ApiLed Orders API", new() { Timeout = 20_000 });
        await Expect(page.Locator("#operations-Orders-PlaceOrder")).ToBeVisibleAsync();
        await Expect(page.Locator("#operations-Orders-GetOrder")).ToBeVisibleAsync();
        var choices = await page.Locator(".topbar select option").AllInnerTextsAsync();
        Assert.Contains("Orders API (partners)", choices);
        Assert.Contains("Process API: sagas, flows, approvals, dead letters (operators)", choices);
        Assert.DoesNotContain(choices, c => c.Contains("Inventory", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Try_it_out_on_post_orders_with_a_key_places_an_order_and_shows_202()
    {
        var page = await browser!.NewPageAsync();
        await page.GotoAsync(layer.Gateway.BaseUrl + "/swagger/index.html");
        await Expect(page.Locator(".information-container .title")).ToContainTextAsync("ApiLed Orders API", new() { Timeout = 20_000 });

        await page.Locator(".auth-wrapper button.authorize").ClickAsync();
        var dialog = page.Locator(".dialog-ux .modal-ux");
        await dialog.Locator("input").First.FillAsync(TestPartners.Default.Key);
        await dialog.Locator("button.authorize").ClickAsync();
        await dialog.Locator("button.btn-done").ClickAsync();

        var operation = page.Locator("#operations-Orders-PlaceOrder");
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.Locator("button.try-out__btn").ClickAsync();
        var key = LayerHttp.NewKey();
        await operation.Locator("tr[data-param-name='Idempotency-Key'] input").FillAsync(key);
        Assert.Contains("SKU-RED-MUG", await operation.Locator("textarea.body-param__text").InputValueAsync());
        await operation.Locator("button.execute").ClickAsync();

        var status = operation.Locator(".live-responses-table .response .response-col_status");
        await Expect(status).ToContainTextAsync("202", new() { Timeout = 20_000 });
        var body = await operation.Locator(".live-responses-table .response .response-col_description pre").First.InnerTextAsync();
        var orderId = JsonDocument.Parse(body).RootElement.GetProperty("orderId").GetString();

        using var placed = await layer.GatewayClient.GetAsync($"/api/v1/orders/{orderId}");
        Assert.Equal(HttpStatusCode.OK, placed.StatusCode); // placed through the gateway, under the key's partner
    }
}
