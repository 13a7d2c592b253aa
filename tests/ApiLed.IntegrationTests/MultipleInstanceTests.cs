using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using Npgsql;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Two process API instances share one PostgreSQL store (test.sh's PostgreSQL pass; a SQLite file has one instance):
/// each saga is run by one of them at a time, and when one is killed under load the other takes its sagas over once
/// their claims lapse. Every order ends once, and the systems of record hold one charge, one reservation and one
/// shipment per order.
/// </summary>
public sealed class MultipleInstanceTests(MultipleInstanceTests.TwoProcessApis layer) : IClassFixture<MultipleInstanceTests.TwoProcessApis>
{
    public sealed class TwoProcessApis() : LayerFixture(o =>
    {
        o.WireMockInFrontOf.Add(LayerService.Billing);
        o.SetEnvironment(LayerService.ProcessApi, "Saga__LeaseDuration", "00:00:03");
        o.SetEnvironment(LayerService.ProcessApi, "Saga__RecoveryInterval", "00:00:01");
        o.SetEnvironment(LayerService.ProcessApi, "RabbitMq__Prefetch", "8");
    });

    [Fact]
    public async Task Orders_under_load_end_once_when_one_of_two_process_apis_is_killed()
    {
        Assert.True(TestStores.OnPostgres, "Several process API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        var second = await layer.StartInstanceAsync(LayerService.ProcessApi, 2);
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1000);
        // Every charge takes a while, so that both instances have sagas in the middle of a step when one dies.
        await layer.BillingMock!.DelayThenProxyAsync("POST", "/api/v1/charges", 400, layer.BaseUrl(LayerService.Billing));

        var orders = new List<string>();
        foreach (var batch in Enumerable.Range(0, 6))
        {
            orders.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku)))));
        }

        // Kill the first instance once it holds a saga in the middle of its charge (400 ms there), read from the store: a
        // count of running sagas said nothing of which instance ran them, and under load the first could hold none mid-step.
        var first = layer.ProcessApi.ProcessId ?? throw new InvalidOperationException("the first process API is not running");
        await Eventually.GetAsync(() => ChargesInFlightAsync(first), n => n >= 1, TimeSpan.FromSeconds(30),
            "the first instance to be in the middle of a charge");
        layer.ProcessApi.Kill();

        using var survivor = second.CreateClient();
        foreach (var orderId in orders)
        {
            var order = await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(120));
            Assert.True(order.Status == SagaStatuses.Completed, $"order {orderId} ended {order.Status}: {order.Failure?.Reason}\n{layer.DescribeLogs()}");
        }

        // One of each side effect per order: a resumed step repeated its call under the same key and got the first answer.
        var charges = (await layer.BillingClient.ListChargesAsync()).Where(c => orders.Contains(c.OrderId)).ToList();
        Assert.Equal(orders.Count, charges.Count);
        Assert.Equal(orders.Count, charges.Select(c => c.OrderId).Distinct().Count());
        Assert.All(charges, c => Assert.Equal(RecordStatuses.Charged, c.Status));
        Assert.Equal(orders.Count, (await layer.InventoryClient.GetStockAsync(sku)).Reserved);
        foreach (var orderId in orders)
        {
            Assert.NotNull(await layer.ShippingClient.GetShipmentAsync(orderId));
        }

        // The survivor took over sagas the killed instance held: at least one step was resumed there.
        var resumed = 0;
        foreach (var orderId in orders)
        {
            var saga = await survivor.GetSagaAsync(orderId);
            Assert.NotNull(saga);
            Assert.Single(saga.History, h => h.Kind == "saga-completed");
            resumed += saga.History.Count(h => h.Kind == "step-resumed");
        }

        Assert.True(resumed > 0, "no saga was resumed: the killed instance ran none in the middle of a step");
        Assert.Equal(0, await survivor.SagaCountAsync(SagaStatuses.Running));
    }

    [Fact]
    public async Task A_bulk_action_is_seen_from_every_instance_and_goes_on_elsewhere_when_its_instance_is_killed()
    {
        Assert.True(TestStores.OnPostgres, "Several process API instances share a PostgreSQL store: run this test with APILED_TEST_STORE=postgres (./test.sh's PostgreSQL pass).");
        var running = await layer.StartInstanceAsync(LayerService.ProcessApi, 3);
        var witness = await layer.StartInstanceAsync(LayerService.ProcessApi, 4);
        var customer = "cust-bulk-" + Guid.NewGuid().ToString("N")[..8];
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 100);
        var orders = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, customerId: customer))));
        foreach (var orderId in orders)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId, TimeSpan.FromSeconds(60))).Status);
        }

        // A cancel of every one, one a second, started on instance 3: each is refused (they are done), and says why.
        using var runningClient = running.CreateClient();
        using var witnessClient = witness.CreateClient();
        using var start = await runningClient.PostAsJsonAsync("/api/v1/bulk-actions", new
        {
            action = "cancel", filter = new { customer }, by = "ops-ann", reason = "partner asked", perSecond = 1,
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        // Another instance answers for it while it runs.
        var underWay = await Eventually.GetAsync(() => witnessClient.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-actions/{id}"),
            b => b.GetProperty("processed").GetInt32() >= 2, TimeSpan.FromSeconds(30), "instance 4 to see the bulk action under way");
        Assert.Equal("running", underWay.GetProperty("status").GetString());
        Assert.Equal(8, underWay.GetProperty("total").GetInt32());

        // Its instance dies; once its claim lapses another instance goes on from where the store says it was.
        running.Kill();
        var done = await Eventually.GetAsync(() => witnessClient.GetFromJsonAsync<JsonElement>($"/api/v1/bulk-actions/{id}"),
            b => b.GetProperty("status").GetString() == "done", TimeSpan.FromSeconds(60), "the bulk action to be finished by another instance");
        Assert.Equal(8, done.GetProperty("processed").GetInt32());
        Assert.Equal(0, done.GetProperty("succeeded").GetInt32());
        var failed = done.GetProperty("failed").EnumerateArray().ToList();
        Assert.Equal(orders.Order(StringComparer.Ordinal), failed.Select(f => f.GetProperty("orderId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(failed, f => Assert.Contains("cancel-too-late", f.GetProperty("error").GetString()));
        foreach (var orderId in orders)
        {
            Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.GetOrderAsync(orderId)).Status);
        }
    }

    /// <summary>Sagas whose charge is running (recorded as started, no outcome yet) under a claim of the process API with this pid.</summary>
    private async Task<long> ChargesInFlightAsync(int pid)
    {
        await using var connection = new NpgsqlConnection(layer.Stores.ConnectionStringOf(LayerFixture.StoreNames[LayerService.ProcessApi]));
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""
            SELECT count(*) FROM saga_leases l JOIN sagas s ON s.order_id = l.order_id
            WHERE l.owner LIKE $1 AND s.status = $2
              AND EXISTS (SELECT 1 FROM jsonb_array_elements(s.data::jsonb -> 'steps') step
                          WHERE step ->> 'name' = 'charge-payment' AND step ->> 'status' = 'running')
            """, connection);
        query.Parameters.AddWithValue($"%/{pid}/%");
        query.Parameters.AddWithValue(SagaStatuses.Running);
        return (long)(await query.ExecuteScalarAsync() ?? 0L);
    }
}
