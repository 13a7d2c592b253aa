using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Callback steps (Step Functions' <c>.waitForTaskToken</c>), written in a flows file, in each mode against the real layer.
/// An external review service (WireMock standalone, in front of the risk API) is handed the step's token by the step's
/// operation; it calls the process API back with it. The flow: reserve → review (a day; above 1,000.00 four seconds) →
/// charge → ship. A callback arriving goes on; a failure fails and compensates; a missed deadline fails the order and
/// withdraws the review too; a late or repeated callback is 409.
/// </summary>
public abstract class CallbackFlowTests(LayerFixture layer)
{
    private WireMockServer Review => layer.RiskMock!;

    private async Task<(string OrderId, string Token)> PlaceReviewedAsync(long unitPriceCents)
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: unitPriceCents);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var request = await Eventually.GetAsync(async () => (await Review.RequestsAsync()).FirstOrDefault(r => IsReviewOf(r, orderId)),
            r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(30), $"the review service to be asked about order {orderId}");
        var token = JsonDocument.Parse(request.GetProperty("request").GetProperty("body").GetString()!).RootElement.GetProperty("token").GetString()!;
        return (orderId, token);
    }

    private static bool IsReviewOf(JsonElement logged, string orderId) =>
        logged.GetProperty("request").GetProperty("url").GetString() == "/api/v1/reviews"
        && logged.GetProperty("request").GetProperty("body").GetString()?.Contains(orderId, StringComparison.Ordinal) == true;

    private Task<HttpResponseMessage> CallBackAsync(string token, string outcome, object body) =>
        layer.ProcessApiClient.PostAsJsonAsync($"/api/v1/callbacks/{token}/{outcome}", body);

    [Fact]
    public async Task A_callback_arriving_completes_the_order_with_its_body_as_the_steps_result()
    {
        var (orderId, token) = await PlaceReviewedAsync(1_000);
        Assert.StartsWith(orderId + ".", token);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId)); // nothing charged before the callback

        using (var called = await CallBackAsync(token, "succeed", new { reviewer = "acme-review", verdict = "fine" }))
        {
            // 200 once the step was seen waiting; 202 when the callback came first and is held for it.
            Assert.True(called.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{called.StatusCode}: {await called.Content.ReadAsStringAsync()}");
        }

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal(SagaStatuses.Completed, order.Status);
        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, SagaStatuses.Completed);
        var review = saga.Steps.Single(s => s.Name == "review");
        Assert.Equal("succeeded", review.Status);
        Assert.Contains("\"reviewer\":\"acme-review\"", review.Result);
        // Recorded by the process API, or in choreography followed from the participant's event.
        Assert.Contains(saga.History, h => h.Kind is "callback-awaited" or "event order.awaiting-callback");

        using var again = await CallBackAsync(token, "succeed", new { reviewer = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var forged = await CallBackAsync(orderId + ".00000000000000000000000000000000", "succeed", new { });
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
    }

    [Fact]
    public async Task A_failure_callback_fails_the_order_and_releases_the_reservation()
    {
        var (orderId, token) = await PlaceReviewedAsync(1_000);
        await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId), s => s?.Steps.Single(x => x.Name == "review").Status == "awaiting-callback",
            TimeSpan.FromSeconds(30), "the review step to wait for its callback");

        using (var bad = await CallBackAsync(token, "fail", new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode); // why is required; nothing changed
        }

        using (var failed = await CallBackAsync(token, "fail", new { reason = "reviewer declined" }))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("review", order.Failure!.Step);
        Assert.Equal("the callback said it failed: reviewer declined", order.Failure.Reason);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));
    }

    [Fact]
    public async Task A_callback_missing_its_deadline_fails_the_order_withdraws_the_review_and_a_late_one_is_refused()
    {
        var (orderId, token) = await PlaceReviewedAsync(150_000);

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60));
        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("review-quick", order.Failure!.Step);
        Assert.StartsWith("no callback by its deadline", order.Failure.Reason);
        Assert.Equal(["review-quick", "reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        Assert.Equal(1, await Review.CountRequestsAsync("POST", $"/api/v1/reviews/{orderId}/withdraw"));
        Assert.Null(await layer.BillingClient.GetChargeAsync(orderId));

        using var late = await CallBackAsync(token, "succeed", new { reviewer = "too late" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    /// <summary>The callback flow in <paramref name="mode"/>; the review service is WireMock in front of the risk API.</summary>
    internal static void CallbackFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        static JsonNode ReviewStep(string name, string deadline) => JsonNode.Parse($$"""
            { "Name": "{{name}}", "Operation": "risk.request-review", "Callback": { "Deadline": "{{deadline}}" },
              "Events": { "Succeeded": "{{name}}.passed", "Failed": "{{name}}.failed", "Compensated": "{{name}}.withdrawn" } }
            """)!;
        var choice = new JsonObject
        {
            ["Name"] = "by-amount",
            ["Choice"] = new JsonObject
            {
                ["Branches"] = new JsonArray(new JsonObject
                {
                    ["When"] = "order.totalCents > 100000",
                    ["Steps"] = new JsonArray(ReviewStep("review-quick", "00:00:04")),
                }),
                ["Otherwise"] = new JsonArray(ReviewStep("review", "1.00:00:00")),
            },
        };
        var steps = FlowsFiles.ReferenceSteps();
        FlowsFiles.UseFlow(fixture, options, "order-fulfillment-reviewed", mode, steps[0], choice, steps[1], steps[2]);
        FlowsFiles.Edit(fixture, flows =>
        {
            var operations = flows["Systems"]!["risk"]!["Operations"]!;
            operations["request-review"] = JsonNode.Parse("""
                { "Method": "POST", "Path": "/api/v1/reviews",
                  "Body": { "orderId": "${order.orderId}", "totalCents": "${order.totalCents}", "token": "${callback.token}" },
                  "Result": [ "reviewId" ], "Undo": "withdraw-review" }
                """);
            operations["withdraw-review"] = JsonNode.Parse("""{ "Method": "POST", "Path": "/api/v1/reviews/${order.orderId}/withdraw" }""");
        });
        options.WireMockInFrontOf.Add(LayerService.Risk);
        options.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
    }

    /// <summary>The review service's answers: a review is taken (202), a withdrawal done (200).</summary>
    internal static async Task StubReviewServiceAsync(WireMockServer review)
    {
        await review.AddMappingAsync(new
        {
            priority = 1,
            request = new { method = "POST", urlPath = "/api/v1/reviews" },
            response = new { status = 202, jsonBody = new { reviewId = "rv-1" }, headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } },
        });
        await review.AddMappingAsync(new
        {
            priority = 1,
            request = new { method = "POST", urlPathPattern = "/api/v1/reviews/[^/]+/withdraw" },
            response = new { status = 200, jsonBody = new { status = "withdrawn" }, headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } },
        });
    }
}

/// <summary>The layer of the callback tests: in choreography the risk participant reaches its system through the WireMock too.</summary>
public abstract class CallbackLayerFixture(string mode) : LayerFixture
{
    protected override void Configure(LayerOptions options) => CallbackFlowTests.CallbackFlow(this, options, mode);

    protected override Task OnStartedAsync() => CallbackFlowTests.StubReviewServiceAsync(RiskMock!);

    protected override void ConfigureEnvironment(LayerService service, IDictionary<string, string?> environment)
    {
        if (service == LayerService.Risk)
        {
            environment["Choreography__SystemApiUrl"] = RiskMock!.BaseUrl;
        }
    }
}

public sealed class CallbackFlowOrchestrationTests(CallbackFlowOrchestrationTests.Fixture layer)
    : CallbackFlowTests(layer), IClassFixture<CallbackFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture() : CallbackLayerFixture("orchestration");
}

public sealed class CallbackFlowHybridTests(CallbackFlowHybridTests.Fixture layer)
    : CallbackFlowTests(layer), IClassFixture<CallbackFlowHybridTests.Fixture>
{
    public sealed class Fixture() : CallbackLayerFixture("hybrid");
}

public sealed class CallbackFlowChoreographyTests(CallbackFlowChoreographyTests.Fixture layer)
    : CallbackFlowTests(layer), IClassFixture<CallbackFlowChoreographyTests.Fixture>
{
    public sealed class Fixture() : CallbackLayerFixture("choreography");
}
