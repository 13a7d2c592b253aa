using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using ApiLed.IntegrationTests.Support.Otlp;

namespace ApiLed.IntegrationTests;

/// <summary>
/// One trace per order, exported over OTLP by every service to a real OTLP/HTTP receiver: the partner's request sends a
/// <c>traceparent</c> of its own, and everything the order causes (the gateway, the experience API, the outbox relay's
/// publish, RabbitMQ deliveries to the process API or the participants, every system API call, compensations) is in
/// that trace, each span's parent in it too, named and tagged by OpenTelemetry's HTTP and messaging conventions. The
/// logs written on the way carry the trace and the correlation id.
/// </summary>
public abstract class TraceTests(TracedLayerFixture layer)
{
    protected TracedLayerFixture Layer => layer;

    private static readonly string[] Services = ["gateway", "experience-api", "process-api", "inventory-api", "billing-api", "shipping-api"];

    [Fact]
    public async Task A_completed_order_is_one_trace_from_the_gateway_through_RabbitMQ_to_every_system_API()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var (orderId, traceId, root) = await PlaceTracedOrderAsync(LayerHttp.Order(sku));
        Assert.Equal(SagaStatuses.Completed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        var trace = await WholeTraceAsync(traceId, root, spans =>
            Services.All(s => spans.Any(x => x.Service == s))
            && ServerSpan(spans, "shipping-api", "POST /api/v1/shipments") is not null
            && spans.Any(x => x.Service == "experience-api" && x.Kind == ReceivedSpan.KindConsumer)); // the outcome reached the read model

        var gateway = Assert.Single(trace, s => s is { Service: "gateway", Kind: ReceivedSpan.KindServer, Scope: "Microsoft.AspNetCore" });
        Assert.Equal(root, gateway.ParentSpanId);
        Assert.StartsWith("POST /api/v1/orders", gateway.Name, StringComparison.Ordinal);
        Assert.Equal("202", gateway.Attribute("http.response.status_code"));
        Assert.NotEqual("", gateway.Attribute("http.route"));

        var accept = ServerSpan(trace, "experience-api", "POST /api/v1/orders");
        Assert.NotNull(accept);
        Assert.Equal("/api/v1/orders", accept.Attribute("http.route"));
        Assert.Equal("POST", accept.Attribute("http.request.method"));
        Assert.Equal("202", accept.Attribute("http.response.status_code"));
        Assert.NotEqual(ReceivedSpan.StatusError, accept.StatusCode);

        // The command leaves the experience API's outbox as a publish and reaches the process API as its child.
        var publish = Assert.Single(trace, s => s.Service == "experience-api" && s.Kind == ReceivedSpan.KindProducer
                                                && s.Attribute("messaging.rabbitmq.destination.routing_key").StartsWith("order.", StringComparison.Ordinal));
        Assert.Equal("rabbitmq", publish.Attribute("messaging.system"));
        Assert.Equal("publish " + publish.Attribute("messaging.destination.name"), publish.Name);
        Assert.Equal("send", publish.Attribute("messaging.operation.type"));
        var received = Assert.Single(trace, s => s.Kind == ReceivedSpan.KindConsumer && s.ParentSpanId == publish.SpanId);
        Assert.Equal("process-api", received.Service);
        Assert.Equal("process " + received.Attribute("messaging.destination.subscription.name"), received.Name);
        Assert.Equal("process", received.Attribute("messaging.operation.type"));

        foreach (var (service, route) in new[] { ("inventory-api", "POST /api/v1/reservations"), ("billing-api", "POST /api/v1/charges"), ("shipping-api", "POST /api/v1/shipments") })
        {
            var call = ServerSpan(trace, service, route);
            Assert.True(call is not null, $"no {route} span in {service}:\n{Describe(trace)}");
            Assert.Equal("201", call.Attribute("http.response.status_code"));
            var caller = Assert.Single(trace, s => s.SpanId == call.ParentSpanId);
            Assert.Equal(ReceivedSpan.KindClient, caller.Kind);
            AssertCallerByMode(caller, service);
        }

        var logs = await Eventually.GetAsync(() => Task.FromResult(layer.Receiver.Logs.Where(l => l.TraceId == traceId).ToList()),
            l => l.Any(r => r.Body.Contains(orderId, StringComparison.Ordinal) && r.Body.Contains("completed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "the log record of the order's completion");
        Assert.All(logs, record =>
        {
            Assert.Contains(record.SpanId, trace.Select(s => s.SpanId));
            Assert.NotEqual("", record.Attribute("CorrelationId"));
        });
        // Metrics are exported on their own schedule (every second here), not with the logs: wait for the saga counter's.
        await Eventually.GetAsync(() => Task.FromResult(layer.Receiver.Metrics),
            metrics => metrics.Any(m => m is { Service: "process-api", Metric: "apiled.sagas.started" }), TimeSpan.FromSeconds(15),
            "the process API's apiled.sagas.started to be exported");
    }

    [Fact]
    public async Task A_failed_order_s_trace_holds_its_compensation()
    {
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 3);
        var (orderId, traceId, root) = await PlaceTracedOrderAsync(LayerHttp.Order(sku, payment: LayerHttp.DecliningCard));
        Assert.Equal(SagaStatuses.Failed, (await layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);

        var trace = await WholeTraceAsync(traceId, root, spans =>
            ServerSpan(spans, "inventory-api", "POST /api/v1/reservations/{orderId}/release") is not null);

        var charge = ServerSpan(trace, "billing-api", "POST /api/v1/charges");
        Assert.NotNull(charge);
        Assert.StartsWith("4", charge.Attribute("http.response.status_code"), StringComparison.Ordinal); // declined: a business answer, not a server error
        Assert.NotEqual(ReceivedSpan.StatusError, charge.StatusCode);
        var release = ServerSpan(trace, "inventory-api", "POST /api/v1/reservations/{orderId}/release")!;
        Assert.Equal("200", release.Attribute("http.response.status_code"));
        Assert.True(release.Start >= charge.End, "the reservation is released after the charge was declined");
        AssertCallerByMode(Assert.Single(trace, s => s.SpanId == release.ParentSpanId), "inventory-api");
        Assert.DoesNotContain(trace, s => s.Service == "shipping-api" && s.Kind == ReceivedSpan.KindServer);
    }

    /// <summary>Who calls a system API: the process API over HTTP in orchestration, the system's own participant in choreography.</summary>
    protected abstract void AssertCallerByMode(ReceivedSpan caller, string system);

    protected async Task<(string OrderId, string TraceId, string Root)> PlaceTracedOrderAsync(object order)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var root = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(order) };
        request.Headers.Add("Idempotency-Key", LayerHttp.NewKey());
        request.Headers.Add("traceparent", $"00-{traceId}-{root}-01");
        using var response = await layer.GatewayClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (accepted.GetProperty("orderId").GetString()!, traceId, root);
    }

    /// <summary>Waits until the trace has what <paramref name="complete"/> needs and every span's parent is in it (or is the partner's span).</summary>
    protected async Task<IReadOnlyList<ReceivedSpan>> WholeTraceAsync(string traceId, string root, Func<IReadOnlyList<ReceivedSpan>, bool> complete)
    {
        IReadOnlyList<ReceivedSpan> trace = [];
        try
        {
            return await Eventually.GetAsync(() => Task.FromResult(trace = layer.Receiver.Trace(traceId)),
                spans => complete(spans) && spans.All(s => s.ParentSpanId == root || spans.Any(p => p.SpanId == s.ParentSpanId)),
                TimeSpan.FromSeconds(30), "the order's whole trace");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{Describe(trace)}");
        }
    }

    protected static ReceivedSpan? ServerSpan(IReadOnlyList<ReceivedSpan> spans, string service, string name) =>
        spans.FirstOrDefault(s => s.Service == service && s.Kind == ReceivedSpan.KindServer && s.Name == name);

    private static string Describe(IReadOnlyList<ReceivedSpan> spans) =>
        string.Join('\n', spans.OrderBy(s => s.Start).Select(s => s.ToString()));
}

public sealed class OrchestrationTraceTests(OrchestrationTraceTests.Fixture layer) : TraceTests(layer), IClassFixture<OrchestrationTraceTests.Fixture>
{
    public sealed class Fixture() : TracedLayerFixture(o => o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-orchestrated"));

    protected override void AssertCallerByMode(ReceivedSpan caller, string system)
    {
        Assert.Equal("process-api", caller.Service);
        Assert.Equal("System.Net.Http", caller.Scope);
    }

    [Fact]
    public async Task A_request_span_is_named_by_its_route_and_a_server_error_marks_it_failed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sagas/ord_does-not-exist/retry-compensation")
        {
            Content = JsonContent.Create(new { by = "ops-test", reason = "trace test" }),
        };
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await Layer.ProcessApiClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var span = await Eventually.GetAsync(() => Task.FromResult(Layer.Receiver.Trace(traceId).SingleOrDefault(s => s.Kind == ReceivedSpan.KindServer)),
            s => s is not null, TimeSpan.FromSeconds(15), "the request's span");
        Assert.Equal("POST /api/v1/sagas/{orderId}/retry-compensation", span!.Name);
        Assert.Equal("404", span.Attribute("http.response.status_code"));
        Assert.NotEqual(ReceivedSpan.StatusError, span.StatusCode); // a 4xx is the client's error, not the server's

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        var badTrace = ActivityTraceId.CreateRandom().ToHexString();
        bad.Headers.Add("traceparent", $"00-{badTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        await Layer.Broker.StopBrokerAppAsync();
        try
        {
            using var unready = await Layer.ProcessApiClient.SendAsync(bad);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        }
        finally
        {
            await Layer.Broker.StartBrokerAppAsync();
            await Eventually.GetAsync(async () => (await Layer.ProcessApiClient.GetAsync("/health/ready")).StatusCode,
                status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the process API to be ready again");
        }

        var errorSpan = await Eventually.GetAsync(() => Task.FromResult(Layer.Receiver.Trace(badTrace).SingleOrDefault(s => s.Kind == ReceivedSpan.KindServer)),
            s => s is not null, TimeSpan.FromSeconds(15), "the failing request's span");
        Assert.Equal("GET /health/ready", errorSpan!.Name);
        Assert.Equal(ReceivedSpan.StatusError, errorSpan.StatusCode);
        Assert.Equal("503", errorSpan.Attribute("error.type"));
    }
}

public sealed class ChoreographyTraceTests(ChoreographyTraceTests.Fixture layer) : TraceTests(layer), IClassFixture<ChoreographyTraceTests.Fixture>
{
    public sealed class Fixture() : TracedLayerFixture(o => o.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", "order-fulfillment-choreographed"));

    protected override void AssertCallerByMode(ReceivedSpan caller, string system)
    {
        Assert.Equal(system, caller.Service); // the participant beside the system calls it in process
        Assert.Equal("inproc", caller.Attribute("network.transport"));
    }
}

/// <summary>Hybrid (the default flow, with its approval step): the order stays one trace when an operator's approval, in a trace of its own, resumes it.</summary>
public sealed class HybridTraceTests(HybridTraceTests.Fixture layer) : TraceTests(layer), IClassFixture<HybridTraceTests.Fixture>
{
    public sealed class Fixture() : TracedLayerFixture(_ => { });

    protected override void AssertCallerByMode(ReceivedSpan caller, string system)
    {
        Assert.Equal("process-api", caller.Service);
        Assert.Equal("System.Net.Http", caller.Scope);
    }

    [Fact]
    public async Task An_order_resumed_by_an_operator_s_approval_stays_one_trace()
    {
        var sku = LayerHttp.NewSku();
        await Layer.InventoryClient.SetStockAsync(sku, onHand: 2, unitPriceCents: 150_000); // above 1,000.00: the default flow asks
        var (orderId, traceId, root) = await PlaceTracedOrderAsync(LayerHttp.Order(sku));
        await Eventually.GetAsync(() => Layer.GatewayClient.GetOrderAsync(orderId), o => o.Status == "awaiting-approval", TimeSpan.FromSeconds(30), "the approval to be asked");

        var operatorTrace = ActivityTraceId.CreateRandom().ToHexString();
        using var operatorClient = Layer.CreateGatewayClient(TestPartners.Operator.Key);
        using var approve = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{orderId}/approve")
        {
            Content = JsonContent.Create(new { by = "ops-ann", reason = "known customer" }),
        };
        approve.Headers.Add("traceparent", $"00-{operatorTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using (var approved = await operatorClient.SendAsync(approve))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        Assert.Equal(SagaStatuses.Completed, (await Layer.GatewayClient.WaitForTerminalAsync(orderId)).Status);
        var trace = await WholeTraceAsync(traceId, root, spans =>
            ServerSpan(spans, "shipping-api", "POST /api/v1/shipments") is not null && ServerSpan(spans, "billing-api", "POST /api/v1/charges") is not null);
        Assert.Contains(trace, s => s.Service == "process-api" && s.Name == "step charge-payment");
        Assert.Contains(Layer.Receiver.Trace(operatorTrace), s => s.Service == "process-api" && s.Name == "POST /api/v1/approvals/{orderId}/approve");
        Assert.DoesNotContain(Layer.Receiver.Trace(operatorTrace), s => s.Service == "billing-api"); // the charge is the order's, not the operator's
    }
}
