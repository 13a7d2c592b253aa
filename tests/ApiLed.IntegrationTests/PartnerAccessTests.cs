using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>Partners at the gateway: API keys, isolation between partners, rate limits, operator routes and readiness.</summary>
[Collection(PartnerLayerCollection.Name)]
public sealed class PartnerAccessTests(PartnerLayer layer)
{
    public static TheoryData<string, string?, string> RefusedKeys => new()
    {
        { "no key", null, "api-key-missing" },
        { "a wrong key", "tk_not_a_key_" + Guid.NewGuid().ToString("N"), "api-key-invalid" },
        { "a revoked key", TestPartners.Default.RevokedKey, "api-key-revoked" },
    };

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task A_request_without_a_valid_key_gets_401_problem_and_reaches_no_service(string what, string? key, string problemType)
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var ordersBefore = await CountAllOrdersAsync();
        using var client = layer.CreateGatewayClient(key);

        using var post = await client.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order(sku));
        using var get = await client.GetAsync("/api/v1/orders");

        foreach (var response in new[] { post, get })
        {
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: expected 401, got {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(401, problem.GetProperty("status").GetInt32());
            Assert.EndsWith("/" + problemType, problem.GetProperty("type").GetString());
            Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString());
            Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Correlation-Id").Single()));
        }

        await Task.Delay(300);
        Assert.Equal(ordersBefore, await CountAllOrdersAsync());
    }

    [Fact]
    public async Task A_valid_key_gets_202_and_the_order_is_stored_under_its_partner()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        using var client = layer.CreateGatewayClient(TestPartners.Default.Key);

        using var response = await client.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order(sku));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var orderId = response.Headers.Location!.OriginalString.Split('/')[^1];
        using var direct = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/orders/{orderId}");
        direct.Headers.Add("X-Partner-Id", TestPartners.Default.Id);
        using var stored = await layer.ExperienceApiClient.SendAsync(direct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    [Fact]
    public async Task A_partner_cannot_read_or_list_another_partners_order_even_when_it_claims_to_be_that_partner()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        using var partnerA = layer.CreateGatewayClient(TestPartners.Default.Key);
        using var partnerB = layer.CreateGatewayClient(TestPartners.Other.Key);
        var orderOfB = await partnerB.PlaceOrderAsync(LayerHttp.Order(sku));

        using var readByB = await partnerB.GetAsync($"/api/v1/orders/{orderOfB}");
        using var readByA = await partnerA.GetAsync($"/api/v1/orders/{orderOfB}");
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/orders/{orderOfB}");
        spoofed.Headers.Add("X-Partner-Id", TestPartners.Other.Id);
        using var readByASpoofing = await partnerA.SendAsync(spoofed);

        Assert.Equal(HttpStatusCode.OK, readByB.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, readByA.StatusCode);
        Assert.Equal("application/problem+json", readByA.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, readByASpoofing.StatusCode);
        var listedToA = await partnerA.GetStringAsync("/api/v1/orders?limit=500");
        Assert.DoesNotContain(orderOfB, listedToA);
        Assert.Contains(orderOfB, await partnerB.GetStringAsync("/api/v1/orders?limit=500"));
    }

    [Fact]
    public async Task A_burst_within_the_partners_limit_is_all_accepted()
    {
        var partner = TestPartners.LimitedUnder;
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 50);
        using var client = layer.CreateGatewayClient(partner.Key);

        var responses = await Task.WhenAll(Enumerable.Range(0, partner.PermitLimit!.Value)
            .Select(_ => client.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order(sku))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_burst_over_the_partners_limit_gets_429_with_retry_after_for_the_excess_only()
    {
        var partner = TestPartners.LimitedOver;
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 50);
        using var client = layer.CreateGatewayClient(partner.Key);
        using var unlimited = layer.CreateGatewayClient(TestPartners.Default.Key);

        var responses = await Task.WhenAll(Enumerable.Range(0, partner.PermitLimit!.Value + 4)
            .Select(_ => client.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order(sku))));

        Assert.Equal(partner.PermitLimit.Value, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(4, refused.Count);
        foreach (var response in refused)
        {
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter!.Value, TimeSpan.FromSeconds(1), partner.Window!.Value);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.EndsWith("/rate-limited", problem.GetProperty("type").GetString());
        }

        // The limit is the partner's own: another partner is not held back by it.
        using var other = await unlimited.GetAsync("/api/v1/orders?limit=1");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [InlineData("/api/v1/sagas")]
    [InlineData("/api/v1/sagas?status=needs-attention")]
    [InlineData("/api/v1/flows")]
    public async Task Saga_and_flow_views_are_routed_for_operators_only(string path)
    {
        using var anonymous = layer.CreateGatewayClient(null);
        using var partner = layer.CreateGatewayClient(TestPartners.Default.Key);
        using var op = layer.CreateGatewayClient(TestPartners.Operator.Key);

        using var withoutKey = await anonymous.GetAsync(path);
        using var asPartner = await partner.GetAsync(path);
        using var asOperator = await op.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asPartner.StatusCode);
        Assert.Equal("application/problem+json", asPartner.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
        var viaGateway = await asOperator.Content.ReadFromJsonAsync<JsonElement>();
        var direct = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal(direct.ValueKind, viaGateway.ValueKind);
        if (path.StartsWith("/api/v1/flows", StringComparison.Ordinal))
        {
            Assert.Equal(direct.ToString(), viaGateway.ToString()); // the flows do not change between the two reads
        }
    }

    [Fact]
    public async Task A_correlation_id_is_created_when_absent_and_reaches_the_saga()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);

        using var response = await layer.GatewayClient.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order(sku));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var correlationId = response.Headers.GetValues("X-Correlation-Id").Single();
        Assert.False(string.IsNullOrWhiteSpace(correlationId));
        var orderId = response.Headers.Location!.OriginalString.Split('/')[^1];
        await layer.GatewayClient.WaitForTerminalAsync(orderId);
        var saga = await layer.ProcessApiClient.GetFromJsonAsync<JsonElement>($"/api/v1/sagas/{orderId}");
        Assert.Equal(correlationId, saga.GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task The_gateways_ready_view_covers_its_destinations()
    {
        using var anonymous = layer.CreateGatewayClient(null);

        using var ready = await anonymous.GetAsync("/health/ready");
        using var live = await anonymous.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var destinations = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("destinations");
        Assert.Equal("Healthy", destinations.GetProperty("status").GetString());
        Assert.Contains("2 destinations ready", destinations.GetProperty("description").GetString());
    }

    private async Task<int> CountAllOrdersAsync()
    {
        var total = 0;
        foreach (var partner in TestPartners.All.Select(p => p.Id).Append("public"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/orders?limit=500");
            request.Headers.Add("X-Partner-Id", partner);
            using var response = await layer.ExperienceApiClient.SendAsync(request);
            total += (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!.Count;
        }

        return total;
    }
}
