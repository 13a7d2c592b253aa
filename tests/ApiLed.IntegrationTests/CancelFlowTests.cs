using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Partners cancel orders (<c>POST /api/v1/orders/{id}/cancel</c> through the gateway) in each mode against the real layer.
/// The flow: reserve → charge → hold (a day, for orders above 1,000.00) → ship, cancellable until the shipment starts. A
/// cancel before the shipment undoes the charge and the reservation, ends <c>cancelled</c> and is told by webhook; after
/// it, 409; twice, the same answer and nothing undone twice.
/// </summary>
public abstract class CancelFlowTests(LayerFixture layer)
{
    private async Task<(string OrderId, WebhookReceiver Receiver)> PlaceHeldAsync()
    {
        var receiver = await WebhookReceiver.StartAsync();
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, callbackUrl: receiver.CallbackUrl));
        // The charge is done once the saga waits on the hold (in choreography the process API follows the events).
        await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId), s => s?.Steps.Single(x => x.Name == "hold").Status == "waiting",
            TimeSpan.FromSeconds(30), "the order to be held after its charge");
        return (orderId, receiver);
    }

    private Task<HttpResponseMessage> CancelAsync(string orderId, HttpClient? client = null, object? body = null) =>
        (client ?? layer.GatewayClient).PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", body ?? new { reason = "customer changed their mind" });

    /// <summary>
    /// A cancel that was taken: 202 with cancelling while the steps are undone, or 200 with cancelled when the undoing
    /// (quick here) had already finished by the time the answer was read back. Either way the code and the body agree.
    /// </summary>
    private static async Task AssertCancelTakenAsync(HttpResponseMessage cancel)
    {
        var answer = await cancel.Content.ReadFromJsonAsync<OrderView>(JsonSerializerOptions.Web);
        Assert.True((cancel.StatusCode, answer?.Status) is (HttpStatusCode.Accepted, "cancelling") or (HttpStatusCode.OK, "cancelled"),
            $"the cancel answered {(int)cancel.StatusCode} with status {answer?.Status}");
    }

    [Fact]
    public async Task A_cancel_before_the_shipment_undoes_every_step_ends_cancelled_and_is_told_by_webhook()
    {
        var (orderId, receiver) = await PlaceHeldAsync();
        await using var _ = receiver;
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);

        using (var cancel = await CancelAsync(orderId))
        {
            await AssertCancelTakenAsync(cancel);
        }

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Equal(SagaStatuses.Cancelled, order.Status);
        Assert.Equal(["charge-payment", "reserve-inventory"], order.Compensated);
        Assert.Equal(RecordStatuses.Released, (await layer.InventoryClient.GetReservationAsync(orderId))!.Status);
        var charge = (await layer.BillingClient.GetChargeAsync(orderId))!;
        Assert.Equal(RecordStatuses.Refunded, charge.Status);
        Assert.Equal(charge.AmountCents, charge.RefundedCents);
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));

        var delivery = Assert.Single(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("order.cancelled", delivery.Header("ApiLed-Webhook-Event"));
        var told = JsonDocument.Parse(delivery.Body).RootElement.GetProperty("order");
        Assert.Equal("cancelled", told.GetProperty("status").GetString());

        var saga = await layer.ProcessApiClient.WaitForSagaAsync(orderId, SagaStatuses.Cancelled);
        Assert.Equal("cancelled by partner test-partner: customer changed their mind", saga.FailureReason);
        Assert.Contains(saga.History, h => h.Kind == "cancel-requested");
        Assert.Contains(saga.History, h => h.Kind == "saga-cancelled");

        // Twice: the same outcome, nothing undone twice, no second webhook.
        using (var again = await CancelAsync(orderId))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("cancelled", (await again.Content.ReadFromJsonAsync<OrderView>(JsonSerializerOptions.Web))!.Status);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(receiver.Deliveries);
        Assert.Equal(charge.RefundedCents, (await layer.BillingClient.GetChargeAsync(orderId))!.RefundedCents);
        Assert.Single((await layer.ProcessApiClient.GetSagaAsync(orderId))!.History, h => h.Kind == "cancel-requested");
    }

    [Fact]
    public async Task Two_cancels_at_once_are_one_cancel()
    {
        var (orderId, receiver) = await PlaceHeldAsync();
        await using var _ = receiver;

        var answers = await Task.WhenAll(CancelAsync(orderId), CancelAsync(orderId));
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{a.StatusCode}"));
        Assert.Equal(SagaStatuses.Cancelled, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
        Assert.Single((await layer.ProcessApiClient.WaitForSagaAsync(orderId, SagaStatuses.Cancelled)).History, h => h.Kind == "cancel-requested");
        Assert.Equal(RecordStatuses.Refunded, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task A_cancel_after_the_shipment_answers_409_and_changes_nothing()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        using var cancel = await CancelAsync(orderId);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal("application/problem+json", cancel.Content.Headers.ContentType?.MediaType);
        var problem = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("/cancel-too-late", problem.GetProperty("type").GetString());

        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        Assert.Equal(RecordStatuses.Created, (await layer.ShippingClient.GetShipmentAsync(orderId))!.Status);
    }

    [Fact]
    public async Task An_operators_cancel_at_the_process_api_is_refused_once_the_shipment_has_run()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await layer.GatewayClient.WaitForTerminalAsync(orderId);

        // Operators may cancel too; the process API decides on the saga itself (its shipment step has run).
        using var cancel = await layer.ProcessApiClient.PostAsJsonAsync($"/api/v1/sagas/{orderId}/cancel", new { by = "ops-ann" });
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.EndsWith("/cancel-too-late", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Another_partners_order_or_an_unknown_one_is_not_found_and_a_bad_cancel_changes_nothing()
    {
        var (orderId, receiver) = await PlaceHeldAsync();
        await using var _ = receiver;

        using var other = layer.CreateGatewayClient(TestPartners.Other.Key);
        using (var notYours = await CancelAsync(orderId, other))
        {
            Assert.Equal(HttpStatusCode.NotFound, notYours.StatusCode);
        }

        using (var unknown = await CancelAsync("ord_" + Guid.NewGuid().ToString("N")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var tooLong = await CancelAsync(orderId, body: new { reason = new string('x', 2001) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        Assert.Equal("processing", (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        Assert.Equal(SagaStatuses.Running, (await layer.ProcessApiClient.GetSagaAsync(orderId))!.Status);

        using var noBody = await layer.GatewayClient.PostAsync($"/api/v1/orders/{orderId}/cancel", null); // the body is optional
        await AssertCancelTakenAsync(noBody);
        Assert.Equal(SagaStatuses.Cancelled, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
    }

    [Fact]
    public async Task A_cancel_while_the_process_api_is_down_answers_503_changes_nothing_and_works_once_it_is_back()
    {
        var (orderId, receiver) = await PlaceHeldAsync();
        await using var _ = receiver;

        await layer.ProcessApi.StopAsync();
        try
        {
            using var down = await CancelAsync(orderId);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
            Assert.EndsWith("/cancel-unavailable", (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
            Assert.Equal("processing", (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        }
        finally
        {
            await layer.ProcessApi.RestartAsync();
        }

        Assert.Equal(RecordStatuses.Charged, (await layer.BillingClient.GetChargeAsync(orderId))!.Status); // nothing was undone
        using var again = await CancelAsync(orderId); // the same cancel, sent again
        await AssertCancelTakenAsync(again);
        Assert.Equal(SagaStatuses.Cancelled, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
    }

    /// <summary>reserve → charge → hold (a day, above 1,000.00) → ship in <paramref name="mode"/>, cancellable until the shipment.</summary>
    internal static void CancellableFlow(LayerFixture fixture, LayerOptions options, string mode)
    {
        var hold = JsonNode.Parse("""
            { "Name": "hold", "When": "order.totalCents > 100000", "Wait": { "For": "1.00:00:00" },
              "Events": { "Succeeded": "order-hold.done", "Failed": "order-hold.failed", "Compensated": "order-hold.undone" } }
            """)!;
        var steps = FlowsFiles.ReferenceSteps();
        FlowsFiles.UseFlow(fixture, options, "order-fulfillment-cancellable", mode, steps[0], steps[1], hold, steps[2]);
        FlowsFiles.Edit(fixture, flows => flows["Definitions"]!["order-fulfillment-cancellable"]!["CancelUntil"] = "create-shipment");
        options.SetEnvironment(LayerService.ExperienceApi, "Webhooks__AllowPrivateNetworkCallbacks", "true"); // the test's receiver is on loopback
    }
}

public sealed class CancelFlowOrchestrationTests(CancelFlowOrchestrationTests.Fixture layer)
    : CancelFlowTests(layer), IClassFixture<CancelFlowOrchestrationTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => CancellableFlow(this, options, "orchestration");
    }
}

public sealed class CancelFlowHybridTests(CancelFlowHybridTests.Fixture layer)
    : CancelFlowTests(layer), IClassFixture<CancelFlowHybridTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => CancellableFlow(this, options, "hybrid");
    }
}

public sealed class CancelFlowChoreographyTests(CancelFlowChoreographyTests.Fixture layer)
    : CancelFlowTests(layer), IClassFixture<CancelFlowChoreographyTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options) => CancellableFlow(this, options, "choreography");
    }
}
