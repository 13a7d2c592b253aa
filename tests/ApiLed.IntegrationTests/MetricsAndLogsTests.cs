using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// What operators read without a collector, against the real layer (the default flow, hybrid): <c>GET /metrics</c> on the
/// services in the Prometheus text format, whose counts follow the orders; and logs as JSON when
/// <c>Logging__Console__FormatterName=json</c> is set.
/// </summary>
public sealed class MetricsAndLogsTests(MetricsAndLogsTests.Fixture layer) : IClassFixture<MetricsAndLogsTests.Fixture>
{
    public sealed class Fixture : LayerFixture
    {
        protected override void Configure(LayerOptions options)
        {
            options.SetEnvironment(LayerService.ProcessApi, "Logging__Console__FormatterName", "json");
            options.SetEnvironment(LayerService.ExperienceApi, "Logging__Console__FormatterName", "json");
            options.SetEnvironment(LayerService.ProcessApi, "RabbitMq__QueueSampleInterval", "00:00:00.500");
        }
    }

    /// <summary>The value of one series (its name and labels exactly as written), 0 when it is not there yet.</summary>
    private static async Task<double> ReadAsync(HttpClient service, string series)
    {
        var text = await service.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>The value of one series, null when it is not there.</summary>
    private static async Task<double?> ReadSeriesAsync(HttpClient service, string series)
    {
        var text = await service.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_metrics_count_accepted_started_and_finished_orders_as_they_flow()
    {
        const string accepted = "apiled_orders_accepted_total{partner=\"test-partner\"}";
        const string started = "apiled_sagas_started_total{flow=\"order-fulfillment\",mode=\"hybrid\"}";
        const string completed = "apiled_sagas_finished_total{flow=\"order-fulfillment\",mode=\"hybrid\",status=\"completed\"}";
        const string failed = "apiled_sagas_finished_total{flow=\"order-fulfillment\",mode=\"hybrid\",status=\"failed\"}";
        const string durations = "apiled_saga_duration_milliseconds_count{flow=\"order-fulfillment\",mode=\"hybrid\",status=\"completed\"}";
        var experience = layer.ExperienceApiClient;
        var process = layer.ProcessApiClient;
        var before = new[] { await ReadAsync(experience, accepted), await ReadAsync(process, started), await ReadAsync(process, completed),
            await ReadAsync(process, failed), await ReadAsync(process, durations) };

        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var good = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var declined = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(good)).Status);
        Assert.Equal(SagaStatuses.Failed, (await layer.GatewayClient.WaitForTerminalAsync(declined)).Status);

        var after = await Eventually.GetAsync(async () => new[] { await ReadAsync(experience, accepted), await ReadAsync(process, started),
                await ReadAsync(process, completed), await ReadAsync(process, failed), await ReadAsync(process, durations) },
            now => now[3] >= before[3] + 1, TimeSpan.FromSeconds(10), "the failed saga to be counted");
        Assert.Equal([2, 2, 1, 1, 1], after.Zip(before, (a, b) => a - b));

        var text = await process.GetStringAsync("/metrics");
        Assert.Contains("\napiled_outbox_backlog ", text); // both services relay an outbox: its backlog and oldest age, read when scraped
        Assert.Contains("\napiled_outbox_oldest_age_seconds ", await experience.GetStringAsync("/metrics"));
        Assert.Contains("# TYPE apiled_sagas_finished_total counter\n", text);
        Assert.Contains("# TYPE apiled_saga_duration_milliseconds histogram\n", text);
        using var response = await process.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Step_durations_circuits_queue_lag_and_dead_letters_are_measured()
    {
        const string charged = "apiled_step_duration_milliseconds_count{operation=\"billing.charge\",outcome=\"succeeded\"}";
        const string declined = "apiled_step_duration_milliseconds_count{operation=\"billing.charge\",outcome=\"rejected\"}";
        const string released = "apiled_step_duration_milliseconds_count{operation=\"inventory.release\",outcome=\"succeeded\"}";
        const string deadLetters = "apiled_queue_dead_letters{queue=\"process.order-fulfillment\"}";
        var process = layer.ProcessApiClient;
        var before = new[] { await ReadAsync(process, charged), await ReadAsync(process, declined), await ReadAsync(process, released) };

        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);
        var good = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        var bad = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard));
        await layer.GatewayClient.WaitForTerminalAsync(good);
        await layer.GatewayClient.WaitForTerminalAsync(bad);
        var after = await Eventually.GetAsync(async () => new[] { await ReadAsync(process, charged), await ReadAsync(process, declined), await ReadAsync(process, released) },
            now => now[2] >= before[2] + 1, TimeSpan.FromSeconds(10), "the release to be measured");
        Assert.Equal([1, 1, 1], after.Zip(before, (a, b) => a - b));

        var text = await process.GetStringAsync("/metrics");
        foreach (var system in new[] { "inventory-api", "billing-api", "shipping-api" })
        {
            Assert.Contains($"\napiled_circuit_state{{downstream=\"{system}\"}} 0\n", text); // closed: calls pass
        }

        Assert.Contains("\napiled_queue_ready{queue=\"process.order-fulfillment\"} ", text);
        var deadBefore = await Eventually.GetAsync(() => ReadSeriesAsync(process, deadLetters), v => v is not null, TimeSpan.FromSeconds(10), "the dead letters to be counted");
        await layer.Broker.PublishAsync("apiled.commands", "order.fulfill", "unreadable-" + Guid.NewGuid().ToString("N"), MessageTypes.FulfillOrderV1, "{ not json");
        await Eventually.GetAsync(() => ReadSeriesAsync(process, deadLetters), v => v == deadBefore + 1, TimeSpan.FromSeconds(15), "the unreadable command to be counted as a dead letter");
    }

    [Fact]
    public async Task Pending_approvals_are_counted_by_group_until_decided()
    {
        const string pending = "apiled_approvals_pending{group=\"order-approvers\"}";
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000); // above 1,000.00: the default flow asks
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));

        await Eventually.GetAsync(() => ReadAsync(layer.ProcessApiClient, pending), v => v == 1, TimeSpan.FromSeconds(30), "one pending approval");
        using var operatorClient = layer.CreateGatewayClient(TestPartners.Operator.Key);
        using (var approve = await operatorClient.PostAsJsonAsync($"/api/v1/approvals/{orderId}/approve", new { by = "ops-ann", reason = "metrics" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, approve.StatusCode);
        }

        Assert.Equal(0, await ReadAsync(layer.ProcessApiClient, pending));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
    }

    [Fact]
    public async Task Logs_are_json_lines_with_trace_span_and_correlation_ids_when_the_json_formatter_is_chosen()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 2);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku));
        await layer.GatewayClient.WaitForTerminalAsync(orderId);

        var lines = layer.ProcessApi.OutputLines.Where(l => l.TrimStart().StartsWith('{')).ToList();
        Assert.NotEmpty(lines);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(entries, e => Assert.True(e.TryGetProperty("LogLevel", out _) && e.TryGetProperty("Category", out _) && e.TryGetProperty("Message", out _), e.ToString()));
        var ofTheOrder = entries.Where(e => e.GetProperty("Message").GetString()!.Contains(orderId, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ofTheOrder);

        // Written while handling the order's messages (no OTLP collector here): each line carries the trace, the span and the correlation id.
        Assert.All(ofTheOrder, e =>
        {
            var scopes = e.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();
            Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var t) && t.GetString()!.Length == 32
                                         && s.TryGetProperty("SpanId", out var sp) && sp.GetString()!.Length == 16);
            Assert.Contains(scopes, s => s.TryGetProperty("CorrelationId", out var c) && c.GetString()!.Length > 0);
        });
    }
}
