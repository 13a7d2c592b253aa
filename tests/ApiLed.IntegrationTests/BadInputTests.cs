using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// What fuzzing every operation found: each bad input gets a 4xx problem+json with a <c>correlationId</c> (never a
/// 5xx, an empty body or a .NET type name), and nothing is stored.
/// </summary>
[Collection(PartnerLayerCollection.Name)]
public sealed class BadInputTests(PartnerLayer layer)
{
    private const string Json = "application/json";

    public static TheoryData<LayerService, string, string> BodyOperations => new()
    {
        { LayerService.Gateway, "/api/v1/orders", "order" },
        { LayerService.ExperienceApi, "/api/v1/orders", "order" },
        { LayerService.Inventory, "/api/v1/reservations", "reservation" },
        { LayerService.Billing, "/api/v1/charges", "charge" },
        { LayerService.Shipping, "/api/v1/shipments", "shipment" },
    };

    [Theory]
    [MemberData(nameof(BodyOperations))]
    public async Task A_body_in_an_unsupported_charset_gets_415_and_nothing_is_stored(LayerService service, string path, string kind)
    {
        var (orderId, body) = ValidBody(kind);
        var key = LayerHttp.NewKey();
        using var request = Request(service, HttpMethod.Post, path, body, key);
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=ebcdic");

        using var response = await layer.Client(service).SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-charset");
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
        await AssertNothingStoredAsync(service, kind, orderId, body, key);
    }

    [Theory]
    [InlineData("éè")]
    [InlineData("order-\U0001F680")]
    public async Task A_non_ascii_header_through_the_gateway_gets_400_naming_the_header_and_nothing_is_stored(string idempotencyKey)
    {
        var (_, body) = ValidBody("order");
        var correlationId = "bad-header-" + Guid.NewGuid().ToString("N");
        var ordersBefore = await PartnerOrderCountAsync();

        var answer = await RawHttpExchange.SendAsync(layer.BaseUrl(LayerService.Gateway), "POST", "/api/v1/orders",
        [
            (LayerFixture.ApiKeyHeader, TestPartners.Default.Key), ("Content-Type", Json), ("Idempotency-Key", idempotencyKey),
            ("X-Correlation-Id", correlationId),
        ], body);

        Assert.Equal(400, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Headers["Content-Type"]);
        var problem = JsonDocument.Parse(answer.Body).RootElement;
        Assert.EndsWith("/invalid-header", problem.GetProperty("type").GetString());
        Assert.Equal("Idempotency-Key", problem.GetProperty("header").GetString());
        Assert.Contains("'Idempotency-Key'", problem.GetProperty("detail").GetString());
        Assert.Equal(correlationId, problem.GetProperty("correlationId").GetString());
        Assert.Equal(ordersBefore, await PartnerOrderCountAsync());
    }

    [Theory]
    [InlineData("CONNECT", "/api/v1/orders")]
    [InlineData("PUT", "/api/v1/orders")]
    [InlineData("DELETE", "/api/v1/sagas")]
    [InlineData("PATCH", "/api/v1/flows")]
    public async Task A_method_the_api_does_not_offer_on_a_routed_path_gets_405_with_allow(string method, string path)
    {
        var correlationId = "bad-method-" + Guid.NewGuid().ToString("N");
        var answer = await RawHttpExchange.SendAsync(layer.BaseUrl(LayerService.Gateway), method, path,
            [(LayerFixture.ApiKeyHeader, TestPartners.Operator.Key), ("X-Correlation-Id", correlationId)]);

        Assert.Equal(405, answer.Status);
        Assert.Equal(["GET", "POST"], answer.Headers["Allow"].Split(',', StringSplitOptions.TrimEntries).Order());
        Assert.StartsWith("application/problem+json", answer.Headers["Content-Type"]);
        Assert.Equal(correlationId, JsonDocument.Parse(answer.Body).RootElement.GetProperty("correlationId").GetString());
    }

    [Theory]
    [InlineData(LayerService.Inventory, "/api/v1/reservations", "reservation")]
    [InlineData(LayerService.Shipping, "/api/v1/shipments", "shipment")]
    public async Task A_null_line_gets_400_naming_the_line_and_nothing_is_stored(LayerService service, string path, string kind)
    {
        var orderId = "bad-" + Guid.NewGuid().ToString("N");
        var body = kind == "reservation"
            ? $$"""{"orderId":"{{orderId}}","lines":[null]}"""
            : $$$"""{"orderId":"{{{orderId}}}","lines":[null],"shipTo":{"name":"A","line1":"B","city":"C","postalCode":"D","country":"GB"}}""";
        using var request = Request(service, HttpMethod.Post, path, body, LayerHttp.NewKey());

        using var response = await layer.Client(service).SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("lines[0]", out _), problem.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await layer.Client(service).GetAsync($"{path}/{orderId}")).StatusCode);
    }

    public static TheoryData<LayerService, string, string, string> WrongShapes => new()
    {
        { LayerService.Gateway, "/api/v1/orders", "[]", "The body must be an object" },
        { LayerService.Gateway, "/api/v1/orders", """{"lines":"two"}""", "$.lines" },
        { LayerService.Gateway, "/api/v1/orders", """{"lines":[{"sku":"A","quantity":"many"}]}""", "must be a whole number" },
        { LayerService.Gateway, "/api/v1/orders", """{"shipTo":7}""", "$.shipTo" },
        { LayerService.Inventory, "/api/v1/reservations", "\"x\"", "The body must be an object" },
        { LayerService.Inventory, "/api/v1/stock/SKU-X", """{"name":"n","unitPriceCents":"cheap","onHand":1}""", "must be a whole number" },
        { LayerService.Billing, "/api/v1/charges", """{"orderId":"o","paymentReference":"p","amountCents":true,"currency":"EUR"}""", "must be a whole number" },
        { LayerService.Billing, "/api/v1/charges", "{\"orderId\": ", "$" },
        { LayerService.Shipping, "/api/v1/shipments", """{"orderId":1}""", "must be a string" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public async Task A_body_of_the_wrong_shape_is_described_in_words_without_dotnet_type_names(LayerService service, string path, string body, string expected)
    {
        var method = path.Contains("/stock/", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post;
        using var request = Request(service, method, path, body, LayerHttp.NewKey());

        using var response = await layer.Client(service).SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed-json");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains(expected, StringComparison.Ordinal), detail);
        AssertNoTypeNames(problem.ToString());
    }

    [Theory]
    [InlineData(LayerService.Gateway, "/api/v1/orders?limit=many", "limit")]
    [InlineData(LayerService.ProcessApi, "/api/v1/sagas?limit=1.5", "limit")]
    public async Task A_query_value_of_the_wrong_kind_is_described_in_words(LayerService service, string path, string name)
    {
        using var client = service == LayerService.Gateway ? layer.CreateGatewayClient(TestPartners.Default.Key) : null;
        using var response = await (client ?? layer.Client(service)).GetAsync(path);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-parameter");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains($"'{name}'", StringComparison.Ordinal) && detail.Contains("a whole number", StringComparison.Ordinal), detail);
        AssertNoTypeNames(problem.ToString());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public async Task A_problem_keeps_its_body_and_correlation_id_whatever_the_client_accepts(string accept)
    {
        var correlationId = "accept-" + Guid.NewGuid().ToString("N");
        using var client = layer.CreateGatewayClient(TestPartners.Default.Key);
        client.DefaultRequestHeaders.Accept.ParseAdd(accept);
        client.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);

        using var notFound = await client.GetAsync("/api/v1/orders/no-such-order");
        var missing = await AssertProblemAsync(notFound, HttpStatusCode.NotFound, null);
        Assert.Equal(correlationId, missing.GetProperty("correlationId").GetString());

        using var invalid = await client.PostAsync("/api/v1/orders", new StringContent("""{"lines":[]}""", Encoding.UTF8, Json));
        var refused = await AssertProblemAsync(invalid, HttpStatusCode.BadRequest, null);
        Assert.Equal(correlationId, refused.GetProperty("correlationId").GetString());

        using var unknown = await layer.Client(LayerService.Inventory).GetAsync("/api/v1/no-such-resource");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, null);
    }

    [Theory]
    [InlineData(LayerService.Gateway, "/api/v1/orders", "order", "giftWrap", "$.giftWrap")]
    [InlineData(LayerService.Gateway, "/api/v1/orders", "order", "lines.0.colour", "$.lines[0].colour")]
    [InlineData(LayerService.Inventory, "/api/v1/reservations", "reservation", "priority", "$.priority")]
    [InlineData(LayerService.Billing, "/api/v1/charges", "charge", "tip", "$.tip")]
    [InlineData(LayerService.Shipping, "/api/v1/shipments", "shipment", "shipTo.floor", "$.shipTo.floor")]
    public async Task An_unknown_field_gets_400_naming_it_and_nothing_is_stored(LayerService service, string path, string kind, string field, string at)
    {
        var (orderId, body) = ValidBody(kind);
        var document = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        var parts = field.Split('.');
        var node = document;
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
        }

        node[parts[^1]] = "extra";
        var key = LayerHttp.NewKey();
        using var request = Request(service, HttpMethod.Post, path, document.ToJsonString(), key);

        using var response = await layer.Client(service).SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "unknown-field");
        Assert.Equal(at, problem.GetProperty("field").GetString());
        Assert.Contains($"'{parts[^1]}'", problem.GetProperty("detail").GetString());
        AssertNoTypeNames(problem.ToString());
        await AssertNothingStoredAsync(service, kind, orderId, body, key);
    }

    private HttpRequestMessage Request(LayerService service, HttpMethod method, string path, string body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, Json) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (service == LayerService.Gateway)
        {
            request.Headers.Add(LayerFixture.ApiKeyHeader, TestPartners.Default.Key);
        }

        return request;
    }

    private static (string OrderId, string Body) ValidBody(string kind)
    {
        var orderId = "bad-" + Guid.NewGuid().ToString("N");
        const string shipTo = """{"name":"Ada Lovelace","line1":"12 St James's Square","city":"London","postalCode":"SW1Y 4JH","country":"GB"}""";
        return (orderId, kind switch
        {
            "order" => $$"""{"customerId":"cust-bad","lines":[{"sku":"SKU-LAPTOP-01","quantity":1}],"paymentReference":"card-ok-4242","shipTo":{{shipTo}}}""",
            "reservation" => $$"""{"orderId":"{{orderId}}","lines":[{"sku":"SKU-LAPTOP-01","quantity":1}]}""",
            "charge" => $$"""{"orderId":"{{orderId}}","paymentReference":"card-ok-4242","amountCents":100,"currency":"EUR"}""",
            "shipment" => $$"""{"orderId":"{{orderId}}","lines":[{"sku":"SKU-LAPTOP-01","quantity":1}],"shipTo":{{shipTo}}}""",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });
    }

    /// <summary>
    /// The refused request left no trace: the system API has no record of its order, and an order sent again, well
    /// formed, under the same Idempotency-Key is accepted as new (a stored answer would have been replayed).
    /// </summary>
    private async Task AssertNothingStoredAsync(LayerService service, string kind, string orderId, string body, string key)
    {
        if (kind != "order")
        {
            var path = kind switch { "reservation" => "/api/v1/reservations", "charge" => "/api/v1/charges", _ => "/api/v1/shipments" };
            Assert.Equal(HttpStatusCode.NotFound, (await layer.Client(service).GetAsync($"{path}/{orderId}")).StatusCode);
            return;
        }

        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1);
        var wellFormed = body.Replace("SKU-LAPTOP-01", sku, StringComparison.Ordinal);
        using var again = Request(service, HttpMethod.Post, "/api/v1/orders", wellFormed, key);
        using var accepted = await layer.Client(service).SendAsync(again);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted,
            $"the same key with a good body: expected 202, got {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
        Assert.NotEqual("true", accepted.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? replayed.Single() : null);
    }

    /// <summary>How many orders the default partner has (the comparison means something only below the list's cap).</summary>
    private async Task<int> PartnerOrderCountAsync()
    {
        var count = await layer.GatewayClient.OrderCountAsync();
        Assert.True(count < 500, "the partner has 500 orders or more; the count no longer shows a new one");
        return count;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("correlationId").GetString()), text);
        if (type is not null)
        {
            Assert.EndsWith("/" + type, problem.GetProperty("type").GetString());
        }

        return problem;
    }

    private static void AssertNoTypeNames(string text)
    {
        Assert.DoesNotContain("ApiLed.", text);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Nullable`", text);
        Assert.DoesNotContain("Int32", text);
    }
}
