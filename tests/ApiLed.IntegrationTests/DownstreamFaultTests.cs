using System.Net.Http.Json;
using System.Net;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// WireMock standalone sits between the process API and the real billing API and injects faults: transient ones
/// are retried until the order completes (charging once), a billing API that never recovers is compensated.
/// </summary>
public sealed class DownstreamFaultTests(DownstreamFaultTests.FaultyBilling layer) : IClassFixture<DownstreamFaultTests.FaultyBilling>, IAsyncLifetime
{
    public sealed class FaultyBilling() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Billing);
        o.SetEnvironment(LayerService.ProcessApi, "Flows__Systems__billing__Resilience__AttemptTimeout", "00:00:01");
        // A billing that answers 503 for good is waited for this long before the order fails.
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Patience", "00:00:03");
    });

    private WireMockServer Mock => layer.BillingMock!;

    public async Task InitializeAsync()
    {
        await Mock.ResetAsync();
        await Mock.ProxyAllToAsync(layer.BaseUrl(LayerService.Billing));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Billing_answering_503_twice_then_recovering_is_retried_and_the_order_completes_with_one_charge()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        await Mock.FailThenProxyAsync("POST", "/api/v1/charges", failures: 2, status: 503, target: layer.BaseUrl(LayerService.Billing));

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.True(await Mock.CountRequestsAsync("POST", "/api/v1/charges") >= 3);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
        Assert.Equal(3, order.Steps.Single(s => s.Name == "charge-payment").Attempts);
    }

    [Fact]
    public async Task Billing_timing_out_once_is_retried_with_the_same_key_and_charges_once()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var billing = layer.BaseUrl(LayerService.Billing);
        // The first charge reaches billing only after the process API gave up on it (attempt timeout 1 s):
        // the outcome is unknown to the saga, so the retry must not charge a second time.
        await Mock.AddMappingAsync(new
        {
            priority = 1,
            scenarioName = "slow-once",
            requiredScenarioState = "Started",
            newScenarioState = "recovered",
            request = new { method = "POST", urlPath = "/api/v1/charges" },
            response = new { proxyBaseUrl = billing, fixedDelayMilliseconds = 2500 },
        });

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.True(order.Steps.Single(s => s.Name == "charge-payment").Attempts >= 2);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
    }

    [Fact]
    public async Task Billing_that_never_recovers_fails_the_order_and_releases_the_reservation()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        await Mock.AlwaysFailAsync("POST", "/api/v1/charges", 503);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.Failed, order.Status);
        Assert.Equal("charge-payment", order.Failure!.Step);
        Assert.Equal("compensated", order.StepStatus("reserve-inventory"));
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var charge = await layer.BillingClient.GetChargeAsync(orderId);
        Assert.True(charge is null || (charge.Status == RecordStatuses.Voided && charge.AmountCents == 0),
            $"no money may have been taken, found {charge}");
        Assert.Null(await layer.ShippingClient.GetShipmentAsync(orderId));
    }
}

/// <summary>The process API is killed in the middle of a step and started again: the saga finishes, acting once.</summary>
public sealed class ProcessCrashTests(ProcessCrashTests.SlowBilling layer) : IClassFixture<ProcessCrashTests.SlowBilling>
{
    public sealed class SlowBilling() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Billing);
        o.SetEnvironment(LayerService.ProcessApi, "Flows__Systems__billing__Resilience__AttemptTimeout", "00:00:30");
    });

    [Fact]
    public async Task A_process_api_killed_between_steps_resumes_the_saga_after_restart_and_charges_once()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var mock = layer.BillingMock!;
        await mock.DelayThenProxyAsync("POST", "/api/v1/charges", 3000, layer.BaseUrl(LayerService.Billing));

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await Eventually.GetAsync(() => layer.ProcessApiClient.GetSagaAsync(orderId),
            s => s?.Steps.Single(x => x.Name == "charge-payment").Status == "running", TimeSpan.FromSeconds(30), "the charge step to start");
        layer.ProcessApi.Kill();

        await mock.ResetAsync();
        await mock.ProxyAllToAsync(layer.BaseUrl(LayerService.Billing));
        await layer.ProcessApi.RestartAsync();

        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(90));
        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.Single(await layer.BillingClient.ListChargesAsync(), c => c.OrderId == orderId);
        Assert.Equal(1, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        var saga = await layer.ProcessApiClient.GetSagaAsync(orderId);
        Assert.Contains(saga!.History, h => h.Kind == "step-resumed" && h.Step == "charge-payment");
    }
}

/// <summary>A compensation that keeps failing parks the saga for a person instead of dropping it.</summary>
public sealed class ParkedSagaTests(ParkedSagaTests.BrokenRelease layer) : IClassFixture<ParkedSagaTests.BrokenRelease>
{
    public sealed class BrokenRelease() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Inventory);
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__MaxAttempts", "3");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__Compensation__Retry__BaseDelay", "00:00:00.100");
    });

    [Fact]
    public async Task A_compensation_that_keeps_failing_parks_the_saga_as_needs_attention_and_an_operator_can_retry_it()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var mock = layer.InventoryMock!;
        var fault = await mock.AlwaysFailAsync("POST", "/api/v1/reservations/[^/]+/release", 500);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2, country: LayerHttp.UnservedCountry));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);

        Assert.Equal(SagaStatuses.NeedsAttention, order.Status);
        Assert.Equal("compensation-failed", order.StepStatus("reserve-inventory"));
        Assert.Equal(RecordStatuses.Refunded, (await layer.BillingClient.GetChargeAsync(orderId))!.Status);
        Assert.Equal(2, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var parked = await layer.Broker.WaitForMessagesAsync("process.parking-lot", 1, TimeSpan.FromSeconds(30));
        var message = Assert.Single(parked, m => m.Json().GetProperty("orderId").GetString() == orderId);
        Assert.Equal("apiled.saga.needs-attention.v1", message.Type);
        var listed = await layer.ProcessApiClient.GetStringAsync("/api/v1/sagas?status=needs-attention");
        Assert.Contains(orderId, listed);

        await mock.RemoveMappingAsync(fault);
        using var retry = await layer.ProcessApiClient.PostAsJsonAsync($"/api/v1/sagas/{orderId}/retry-compensation", new { by = "ops-test", reason = "the system is back" });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        var after = await Eventually.GetAsync(() => layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == SagaStatuses.Failed,
            TimeSpan.FromSeconds(30), "the retried compensation to fail the order cleanly");
        Assert.Equal(["charge-payment", "reserve-inventory"], after.Compensated);
        Assert.Equal(0, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
    }
}

/// <summary>RabbitMQ is stopped while orders arrive: every order is accepted, and every one completes once it is back.</summary>
public sealed class BrokerOutageTests(LayerFixture layer) : IClassFixture<LayerFixture>
{
    [Fact]
    public async Task Orders_accepted_while_the_broker_is_down_all_complete_after_it_returns()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 20);

        await layer.Broker.StopBrokerAppAsync();
        var orderIds = new List<string>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                orderIds.Add(await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)));
            }

            foreach (var id in orderIds)
            {
                Assert.Equal("accepted", (await layer.GatewayClient.GetOrderAsync(id)).Status);
            }

            using var ready = await layer.ExperienceApiClient.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("Degraded", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            await layer.Broker.StartBrokerAppAsync();
        }

        foreach (var id in orderIds)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(id, TimeSpan.FromSeconds(120))).Status);
        }

        Assert.Equal(5, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        var charges = await layer.BillingClient.ListChargesAsync();
        Assert.All(orderIds, id => Assert.Single(charges, c => c.OrderId == id));
    }
}
