using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The reference flow end to end through the real layer in its default (hybrid) mode: gateway → experience API →
/// RabbitMQ → process API → inventory, billing and shipping over HTTP. The outcome suite every mode shares comes
/// from <see cref="FlowModeTests"/>; here are the partner-facing contract checks besides it.
/// </summary>
public sealed class OrderFulfillmentTests(LayerFixture fixture) : FlowModeTests(fixture, "hybrid"), IClassFixture<LayerFixture>
{
    private HttpClient Gateway => Layer.GatewayClient;

    [Fact]
    public async Task Each_service_loads_the_driver_of_its_own_store_only()
    {
        // Npgsql and what it pulls in are about 1.5 MB of a service's resident memory: a service on SQLite never loads them.
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 1);
        Assert.Equal(SagaStatuses.Completed, (await Gateway.WaitForTerminalAsync(await Gateway.PlaceOrderAsync(LayerHttp.Order(sku)))).Status);

        foreach (var service in new[] { LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.ProcessApi, LayerService.ExperienceApi })
        {
            var pid = Layer.Service(service).ProcessId ?? throw new InvalidOperationException($"{service} is not running");
            var loaded = (await File.ReadAllTextAsync($"/proc/{pid}/maps")).Contains("/Npgsql.dll", StringComparison.Ordinal);
            Assert.True(loaded == TestStores.OnPostgres,
                $"{service} on {(TestStores.OnPostgres ? "PostgreSQL has not" : "SQLite has")} loaded Npgsql");
        }
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_gives_one_order_and_one_charge()
    {
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 5);
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
        Assert.Single(await Layer.BillingClient.ListChargesAsync(), c => c.OrderId == first);
        Assert.Equal(1, (await Layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var mine = (await Gateway.GetFromJsonAsync<List<JsonElement>>("/api/v1/orders?limit=500"))!
            .Count(o => o.GetProperty("lines")[0].GetProperty("sku").GetString() == sku);
        Assert.Equal(1, mine);
    }

    [Fact]
    public async Task A_message_that_is_not_a_valid_command_is_dead_lettered_not_dropped()
    {
        var messageId = "poison-" + Guid.NewGuid().ToString("N");
        await Layer.Broker.PublishAsync("apiled.commands", "order.fulfill", messageId, MessageTypes.FulfillOrderV1, "{ this is not json");

        var dead = await Layer.Broker.WaitForMessagesAsync("process.order-fulfillment.dead-letter", 1, TimeSpan.FromSeconds(30));
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
        var ordersBefore = await Layer.ExperienceApiClient.OrderCountAsync();
        var sagasBefore = await Layer.ProcessApiClient.SagaCountAsync();

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
        Assert.Equal(ordersBefore, await Layer.ExperienceApiClient.OrderCountAsync());
        Assert.Equal(sagasBefore, await Layer.ProcessApiClient.SagaCountAsync());
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
        var ordersBefore = await Layer.ExperienceApiClient.OrderCountAsync();
        var huge = "{\"customerId\":\"" + new string('x', 1024 * 1024) + "\"}";
        foreach (var client in new[] { Gateway, Layer.ExperienceApiClient })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
            // As curl and other clients do for large uploads: the server can refuse before the body is sent.
            request.Headers.ExpectContinue = true;
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(ordersBefore, await Layer.ExperienceApiClient.OrderCountAsync());
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
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var correlationId = "corr-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(LayerHttp.Order(sku)) };
        request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
        request.Headers.Add("X-Correlation-Id", correlationId);
        using var response = await Gateway.SendAsync(request);

        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-Id").Single());
        var orderId = response.Headers.Location!.OriginalString.Split('/')[^1];
        await Gateway.WaitForTerminalAsync(orderId);
        var saga = await Layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.Equal(correlationId, saga.GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task A_previous_version_event_is_still_read_by_the_status_read_model()
    {
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 2);
        var orderId = await Gateway.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await Gateway.WaitForTerminalAsync(orderId);

        var v1 = new SagaProgressEvent(orderId, "order-fulfillment", "hybrid", SagaStatuses.NeedsAttention, 1000, "create-shipment", "a v1 publisher said so",
            [.. order.Steps], DateTimeOffset.UtcNow);
        await Layer.Broker.PublishAsync("apiled.events", "order.needs-attention", $"{orderId}/1000/v1", "apiled.order.needs-attention.v1",
            JsonSerializer.Serialize(v1, JsonSerializerOptions.Web));

        var updated = await Eventually.GetAsync(() => Gateway.GetOrderAsync(orderId), o => o.Status == SagaStatuses.NeedsAttention,
            TimeSpan.FromSeconds(20), "the v1 event to be applied");
        Assert.Equal("a v1 publisher said so", updated.Failure!.Reason);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
