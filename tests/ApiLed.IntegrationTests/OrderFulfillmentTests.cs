using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The reference flow end to end through the real layer: gateway → experience API → RabbitMQ → process API →
/// inventory, billing and shipping over HTTP. Every outcome is checked in the systems of record, not only in the
/// saga's own words.
/// </summary>
public sealed class OrderFulfillmentTests(LayerFixture layer) : IClassFixture<LayerFixture>
{
    private HttpClient Gateway => layer.GatewayClient;

    [Fact]
    public async Task Happy_path_through_the_gateway_completes_with_stock_charge_and_shipment_in_the_systems()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 10, unitPriceCents: 1250);

        var orderId = await Gateway.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 3));
        var order = await Gateway.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.All(order.Steps, s => Assert.Equal("succeeded", s.Status));
        var stock = await layer.InventoryClient.GetStockAsync(sku);
        Assert.Equal(3, stock.Reserved);
        Assert.Equal(7, stock.Available);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.Equal(RecordStatuses.Charged, charge!.Status);
        Assert.Equal(3 * 1250, charge.AmountCents);
        Assert.Equal(3 * 1250, order.TotalCents);
        var shipment = await layer.ShippingClient.GetShipmentAsync(orderId);
        Assert.Equal(RecordStatuses.Created, shipment!.Status);
        Assert.False(string.IsNullOrEmpty(shipment.TrackingNumber));
        var notification = Assert.Single(order.Notifications);
        Assert.Equal("order.completed", notification.Event);
    }

    [Fact]
    public async Task Out_of_stock_fails_with_nothing_reserved_charged_or_shipped()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1);

        var orderId = await Gateway.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2));
        var order = await Gateway.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("reserve-inventory", order.Failure!.Step);
        Assert.Contains("Not enough units", order.Failure.Reason);
        Assert.Empty(order.Compensated);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.InventoryClient.GetReservationAsync(orderId));
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
    }

    [Fact]
    public async Task Declined_payment_fails_and_releases_the_reservation_without_a_shipment()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);

        var orderId = await Gateway.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2, payment: LayerHttp.DecliningCard));
        var order = await Gateway.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("charge-payment", order.Failure!.Step);
        Assert.Contains("declined", order.Failure.Reason);
        Assert.Equal(["reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
    }

    [Fact]
    public async Task Shipping_failure_fails_and_refunds_the_charge_and_releases_the_reservation_in_reverse_order()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5, unitPriceCents: 700);

        var orderId = await Gateway.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 1, country: LayerHttp.UnservedCountry));
        var order = await Gateway.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("create-shipment", order.Failure!.Step);
        Assert.Equal(["charge-payment", "reserve-inventory"], order.Compensated);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.Equal(RecordStatuses.Refunded, charge!.Status);
        Assert.Equal(charge.AmountCents, charge.RefundedCents);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));

        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        var compensations = saga!.History.Where(h => h.Kind == "step-compensated").Select(h => h.Step).ToList();
        Assert.Equal(["charge-payment", "reserve-inventory"], compensations);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_gives_one_order_and_one_charge()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var key = LayerHttp.NewKey();
        var body = LayerHttp.Order(sku, quantity: 1);

        var first = await Gateway.PlaceOrderAsync(body, key);
        using var again = await Gateway.PostOrderAsync(key, body);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first, again.Headers.Location!.OriginalString.Split('/')[^1]);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));

        using var reused = await Gateway.PostOrderAsync(key, LayerHttp.Order(sku, quantity: 2));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);

        await Gateway.WaitForTerminalAsync(first);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == first);
        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var mine = (await Gateway.GetFromJsonAsync<List<JsonElement>>("/api/v1/orders?limit=500"))!
            .Count(o => o.GetProperty("lines")[0].GetProperty("sku").GetString() == sku);
        Assert.Equal(1, mine);
    }

    [Fact]
    public async Task The_same_command_delivered_twice_runs_one_saga_and_charges_once()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5, unitPriceCents: 999);
        var orderId = "ord_dup_" + Guid.NewGuid().ToString("N");
        var command = new FulfillOrderCommand(orderId, "public", "cust-dup", [new PricedOrderLine(sku, 1, 999)], 999, "EUR",
            LayerHttp.OkCard, new ShippingAddress("Ada", "1 St", "London", "N1", "GB"), DateTimeOffset.UtcNow);
        var json = JsonSerializer.Serialize(command, JsonSerializerOptions.Web);

        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", orderId + "/fulfill", MessageTypes.FulfillOrderV1, json);
        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", orderId + "/fulfill", MessageTypes.FulfillOrderV1, json);

        var saga = await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId),
            s => s is not null && SagaStatuses.IsTerminal(s.Status), TimeSpan.FromSeconds(60), "the saga to finish");
        Assert.Equal(SagaStatuses.Completed, saga!.Status);
        await Task.Delay(1000); // give a second delivery time to do harm, if it could
        Assert.Single(saga.History, h => h.Kind == "saga-started");
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.Equal(0u, await layer.Broker.MessageCountAsync("process.order-fulfillment.dead-letter"));
    }

    [Fact]
    public async Task A_message_that_is_not_a_valid_command_is_dead_lettered_not_dropped()
    {
        var messageId = "poison-" + Guid.NewGuid().ToString("N");
        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", messageId, MessageTypes.FulfillOrderV1, "{ this is not json");

        var dead = await layer.Broker.WaitForMessagesAsync("process.order-fulfillment.dead-letter", 1, TimeSpan.FromSeconds(30));
        Assert.Contains(dead, m => m.MessageId == messageId);
    }

    public static TheoryData<string, string, string> BadOrders => new()
    {
        { "malformed JSON", "{\"customerId\": \"c1\", \"lines\": [", "application/json" },
        { "missing fields", "{}", "application/json" },
        { "negative quantity", Json(LayerHttp.Order("SKU-RED-MUG", quantity: -2)), "application/json" },
        { "unknown SKU", Json(LayerHttp.Order("SKU-DOES-NOT-EXIST", quantity: 1)), "application/json" },
        { "quantity as text", "{\"customerId\":\"c\",\"lines\":[{\"sku\":\"SKU-RED-MUG\",\"quantity\":\"two\"}]}", "application/json" },
        { "wrong content type", "customerId=c1", "application/x-www-form-urlencoded" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task Bad_input_gets_a_4xx_problem_and_stores_nothing(string what, string body, string contentType)
    {
        var ordersBefore = await layer.ExperienceApiClient.OrderCountAsync();
        var sagasBefore = await layer.ProcessApiClient.SagaCountAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
        using var response = await Gateway.SendAsync(request);

        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{what}: expected 4xx, got {status}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("   at ", problem.ToString());
        await Task.Delay(500);
        Assert.Equal(ordersBefore, await layer.ExperienceApiClient.OrderCountAsync());
        Assert.Equal(sagasBefore, await layer.ProcessApiClient.SagaCountAsync());
    }

    [Fact]
    public async Task Field_errors_name_every_invalid_field()
    {
        using var response = await Gateway.PostOrderAsync(LayerHttp.NewKey(), new
        {
            customerId = "",
            lines = new object[] { new { sku = "SKU-RED-MUG", quantity = -1 }, new { sku = "SKU-NOPE", quantity = 1 } },
            paymentReference = "card-ok-4242",
            shipTo = new { name = "A", line1 = "B", city = "C", postalCode = "D", country = "Germany" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "customerId", "lines[0].quantity", "lines[1].sku", "shipTo.country" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task A_missing_idempotency_key_is_a_400_problem()
    {
        using var response = await Gateway.PostAsJsonAsync("/api/v1/orders", LayerHttp.Order("SKU-RED-MUG"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task A_one_megabyte_body_is_refused_with_413_and_stores_nothing()
    {
        var ordersBefore = await layer.ExperienceApiClient.OrderCountAsync();
        var huge = "{\"customerId\":\"" + new string('x', 1024 * 1024) + "\"}";
        foreach (var client in new[] { Gateway, layer.ExperienceApiClient })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(ordersBefore, await layer.ExperienceApiClient.OrderCountAsync());
    }

    [Theory]
    [InlineData("/api/v1/stock")]
    [InlineData("/api/v1/charges")]
    [InlineData("/api/v1/shipments")]
    [InlineData("/api/v1/reservations")]
    public async Task System_apis_are_not_reachable_through_the_gateway(string path)
    {
        using var response = await Gateway.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_correlation_id_is_echoed_and_recorded_on_the_saga()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var correlationId = "corr-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(LayerHttp.Order(sku)) };
        request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
        request.Headers.Add("X-Correlation-Id", correlationId);
        using var response = await Gateway.SendAsync(request);

        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-Id").Single());
        var orderId = response.Headers.Location!.OriginalString.Split('/')[^1];
        await Gateway.WaitForTerminalAsync(orderId);
        var saga = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.Equal(correlationId, saga.GetProperty("correlationId").GetString());
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
