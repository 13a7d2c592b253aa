using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>The system APIs as systems of record: no oversell under concurrency, idempotent mutations, business errors as 4xx.</summary>
public sealed class SystemApiTests(SystemApiTests.SystemApisOnly layer) : IClassFixture<SystemApiTests.SystemApisOnly>
{
    public sealed class SystemApisOnly() : LayerFixture(o =>
    {
        o.Services.Clear();
        o.Services.UnionWith([LayerService.Inventory, LayerService.Billing, LayerService.Shipping]);
    });

    [Fact]
    public async Task Two_hundred_concurrent_reservations_against_fifty_units_reserve_exactly_fifty()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 50);

        var attempts = Enumerable.Range(0, 200).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reservations")
            {
                Content = JsonContent.Create(new ReserveInventoryRequest($"conc-{sku}-{i}", [new OrderLine(sku, 1)])),
            };
            request.Headers.Add("Idempotency-Key", $"conc-{sku}-{i}");
            using var response = await layer.InventoryClient.SendAsync(request);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(attempts);

        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(150, statuses.Count(s => s == HttpStatusCode.Conflict));
        var stock = await layer.InventoryClient.GetStockAsync(sku);
        Assert.Equal(50, stock.Reserved);
        Assert.Equal(0, stock.Available);
    }

    [Fact]
    public async Task A_retried_charge_charges_once_and_returns_the_first_answer()
    {
        var orderId = "ord_" + Guid.NewGuid().ToString("N");
        var first = await PostAsync(layer.BillingClient, "/api/v1/charges", new ChargeRequest(orderId, LayerHttp.OkCard, 4200, "EUR"), "charge-" + orderId);
        var second = await PostAsync(layer.BillingClient, "/api/v1/charges", new ChargeRequest(orderId, LayerHttp.OkCard, 4200, "EUR"), "charge-" + orderId);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.True(second.Replayed);
        Assert.Equal(first.Body.GetProperty("chargeId").GetString(), second.Body.GetProperty("chargeId").GetString());
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);

        var otherKey = await PostAsync(layer.BillingClient, "/api/v1/charges", new ChargeRequest(orderId, LayerHttp.OkCard, 4200, "EUR"), "another-key");
        Assert.Equal(HttpStatusCode.OK, otherKey.Status);
        Assert.Equal(first.Body.GetProperty("chargeId").GetString(), otherKey.Body.GetProperty("chargeId").GetString());
    }

    [Fact]
    public async Task Refunding_releasing_and_cancelling_twice_is_harmless()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var orderId = "ord_" + Guid.NewGuid().ToString("N");
        await PostAsync(layer.InventoryClient, "/api/v1/reservations", new ReserveInventoryRequest(orderId, [new OrderLine(sku, 2)]), "r-" + orderId);
        await PostAsync(layer.BillingClient, "/api/v1/charges", new ChargeRequest(orderId, LayerHttp.OkCard, 1000, "EUR"), "c-" + orderId);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(layer.InventoryClient, $"/api/v1/reservations/{orderId}/release", null, $"rel-{i}-{orderId}")).Status);
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(layer.BillingClient, $"/api/v1/charges/{orderId}/refund", null, $"ref-{i}-{orderId}")).Status);
        }

        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.Equal(RecordStatuses.Refunded, charge!.Status);
        Assert.Equal(1000, charge.RefundedCents);
    }

    [Fact]
    public async Task A_compensation_that_arrives_first_voids_the_late_action()
    {
        var orderId = "ord_" + Guid.NewGuid().ToString("N");
        var cancel = await PostAsync(layer.ShippingClient, $"/api/v1/shipments/{orderId}/cancel", null, "cancel-" + orderId);
        Assert.Equal("voided", cancel.Body.GetProperty("status").GetString());

        var late = await PostAsync(layer.ShippingClient, "/api/v1/shipments",
            new CreateShipmentRequest(orderId, [new OrderLine("SKU-RED-MUG", 1)], new ShippingAddress("A", "B", "C", "D", "GB")), "ship-" + orderId);
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
    }

    [Fact]
    public async Task A_declined_card_is_a_402_problem_not_a_500()
    {
        var response = await PostAsync(layer.BillingClient, "/api/v1/charges",
            new ChargeRequest("ord_" + Guid.NewGuid().ToString("N"), LayerHttp.DecliningCard, 500, "EUR"), LayerHttp.NewKey());
        Assert.Equal(HttpStatusCode.PaymentRequired, response.Status);
        Assert.EndsWith("/payment-declined", response.Body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_mutating_call_without_an_idempotency_key_is_refused()
    {
        using var response = await layer.BillingClient.PostAsJsonAsync("/api/v1/charges", new ChargeRequest("o", LayerHttp.OkCard, 1, "EUR"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, bool Replayed)> PostAsync(HttpClient client, string path, object? body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response.Headers.Contains("Idempotent-Replayed"));
    }
}
