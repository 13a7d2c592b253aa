using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using MassTransit.Courier.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// MassTransit 8.4 Courier doing what ApiLed's saga does: three activities that make real HTTP calls to ApiLed's
// running inventory, billing and shipping system APIs (reserve, charge, ship) with the same payloads and the same
// Idempotency-Key scheme ({orderId}/{step}/{operation}), and the compensations (release, refund, cancel) as
// Courier compensate. Counts routing slips that completed (or faulted) per second on the same broker.
//   dotnet MtbHttp.dll N PREFETCH [INVENTORY_URL BILLING_URL SHIPPING_URL] [DECLINE_EVERY] [SHIP_FAIL_EVERY]
//   RABBITMQ_VHOST (default "/") picks the virtual host. WARMUP (default 300) slips run first, not measured.
//   RABBITMQ_PORT (default 5672) the broker's AMQP port. It prints "measuring" when the warm-up is over, so a bench can
//   start its CPU counters there; with SETTLE_ON_STDIN=1 it prints "warmed" after the warm-up and waits for a line first. QUORUM=1 declares quorum queues (ApiLed's kind) instead of MassTransit's default classic queues. LABEL names the run's order ids.
int n = int.Parse(args.Length > 0 ? args[0] : "5000");
ushort prefetch = ushort.Parse(args.Length > 1 ? args[1] : "64");
var urls = new SystemUrls(
    args.Length > 2 ? args[2] : "http://127.0.0.1:5201",
    args.Length > 3 ? args[3] : "http://127.0.0.1:5202",
    args.Length > 4 ? args[4] : "http://127.0.0.1:5203");
int declineEvery = args.Length > 5 ? int.Parse(args[5]) : 0;     // every k-th slip pays with a declined card: reserve is compensated
int shipFailEvery = args.Length > 6 ? int.Parse(args[6]) : 0;    // every k-th slip ships to AQ (not served): charge and reserve are compensated
int warmup = int.Parse(Environment.GetEnvironmentVariable("WARMUP") ?? "300");
var vhost = Environment.GetEnvironmentVariable("RABBITMQ_VHOST") ?? "/";
var port = ushort.Parse(Environment.GetEnvironmentVariable("RABBITMQ_PORT") ?? "5672"); // the ApiLed bench runs its own broker node
var label = Environment.GetEnvironmentVariable("LABEL") ?? "run";    // order ids are mt_{label}_...
var quorum = Environment.GetEnvironmentVariable("QUORUM") == "1";  // quorum queues (as ApiLed declares) instead of MassTransit's classic ones
var queuePrefix = quorum ? "httpq" : "http";

var counter = new Counter();
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(counter);
builder.Services.AddSingleton(new SystemApis(urls));
builder.Services.AddMassTransit(x =>
{
    x.AddActivity<ReserveActivity, ReserveArgs, ReserveLog>();
    x.AddActivity<ChargeActivity, ChargeArgs, ChargeLog>();
    x.AddActivity<ShipActivity, ShipArgs, ShipLog>();
    x.AddConsumer<OutcomeConsumer>();
    if (quorum)
    {
        x.AddConfigureEndpointsCallback((_, _, e) => { if (e is IRabbitMqReceiveEndpointConfigurator r) r.SetQuorumQueue(); });
    }

    x.UsingRabbitMq((ctx, cfg) =>
    {
        cfg.Host("127.0.0.1", port, vhost, h => { h.Username("guest"); h.Password("guest"); });
        cfg.PrefetchCount = prefetch;
        // Transient HTTP faults (5xx, 408, 429, timeouts, refused connections) throw and are retried, like ApiLed's Polly retry.
        // A business "no" (a Faulted result) is final, as in ApiLed: only transient exceptions are retried.
        cfg.UseMessageRetry(r =>
        {
            r.Intervals(200, 400, 800);
            r.Handle<HttpRequestException>();
            r.Handle<TaskCanceledException>();
        });
        cfg.ReceiveEndpoint(queuePrefix + "-outcomes", e =>
        {
            if (quorum) e.SetQuorumQueue();
            e.ConfigureConsumer<OutcomeConsumer>(ctx);
        });
        cfg.ConfigureEndpoints(ctx, new KebabCaseEndpointNameFormatter(queuePrefix, false));
    });
});
var host = builder.Build();
await host.StartAsync();
var bus = host.Services.GetRequiredService<IBus>();
// Sends go to exchange: addresses, so wait until every receive endpoint has declared and bound its queue (a message sent to
// an exchange without a binding is dropped).
var ready = Stopwatch.StartNew();
while (host.Services.GetRequiredService<IBusControl>().CheckHealth().Status != BusHealthStatus.Healthy && ready.Elapsed < TimeSpan.FromSeconds(60))
{
    await Task.Delay(100);
}
var apis = host.Services.GetRequiredService<SystemApis>();
var formatter = new KebabCaseEndpointNameFormatter(queuePrefix, false);
// exchange: addresses (the endpoint's fanout exchange, bound to its queue by the receive endpoint): a queue: address would
// make the sender declare the queue without its x-queue-type, which a quorum queue refuses (PRECONDITION_FAILED).
Uri Exec<TActivity, TArgs>() where TActivity : class, IExecuteActivity<TArgs> where TArgs : class =>
    new($"exchange:{formatter.ExecuteActivity<TActivity, TArgs>()}");

var sku = $"SKU-MT-{DateTime.UtcNow:HHmmss}";
(await apis.Inventory.PutAsJsonAsync($"/api/v1/stock/{sku}", new { name = "MT bench item", unitPriceCents = 100, onHand = n + warmup })).EnsureSuccessStatusCode();

double startedUnix = 0;
async Task<(double SendSeconds, double TotalSeconds)> RunAsync(string prefix, int count)
{
    counter.Reset(count);
    startedUnix = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    var sw = Stopwatch.StartNew();
    var sends = new List<Task>();
    for (int i = 0; i < count; i++)
    {
        var orderId = $"mt_{prefix}_{i:D6}_{NewId.NextGuid():N}";
        var declined = declineEvery > 0 && i % declineEvery == declineEvery - 1;
        var unserved = shipFailEvery > 0 && i % shipFailEvery == 0;
        var b = new RoutingSlipBuilder(NewId.NextGuid());
        b.AddActivity("reserve-inventory", Exec<ReserveActivity, ReserveArgs>(), new ReserveArgs(orderId, [new OrderLine(sku, 1)]));
        b.AddActivity("charge-payment", Exec<ChargeActivity, ChargeArgs>(),
            new ChargeArgs(orderId, declined ? "card-declined-0002" : "card-ok-4242", 100, "EUR"));
        b.AddActivity("create-shipment", Exec<ShipActivity, ShipArgs>(),
            new ShipArgs(orderId, [new OrderLine(sku, 1)], new ShippingAddress("Load", "1 Load St", "Berlin", "10115", unserved ? "AQ" : "DE")));
        b.AddSubscription(new Uri($"exchange:{queuePrefix}-outcomes"),
            RoutingSlipEvents.Completed | RoutingSlipEvents.Faulted | RoutingSlipEvents.CompensationFailed);
        sends.Add(bus.Execute(b.Build()));
        if (sends.Count >= 256) { await Task.WhenAll(sends); sends.Clear(); }
    }

    await Task.WhenAll(sends);
    var sendSeconds = sw.Elapsed.TotalSeconds;
    await counter.Done.Task.WaitAsync(TimeSpan.FromSeconds(900));
    return (sendSeconds, sw.Elapsed.TotalSeconds);
}

if (warmup > 0)
{
    await RunAsync("warm", warmup);
    if (Environment.GetEnvironmentVariable("SETTLE_ON_STDIN") == "1")
    {
        Console.WriteLine("warmed");
        await Console.In.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(5));
    }
}

Console.WriteLine("measuring");

var (send, total) = await RunAsync(label, n);
var d = counter.Durations.Order().ToArray();
double P(double p) => d.Length == 0 ? double.NaN : d[Math.Clamp((int)Math.Ceiling(p / 100 * d.Length) - 1, 0, d.Length - 1)];
Console.WriteLine(
    $"MassTransit 8.4 Courier, 3 HTTP activities (ApiLed system APIs), RabbitMQ vhost {vhost}, {(quorum ? "quorum" : "classic")} queues, prefetch {prefetch}: {n} routing slips " +
    $"({counter.Completed} completed, {counter.Faulted} faulted, {counter.CompensationFailed} compensation failed) in {total:F1}s = {n / total:F0}/s; " +
    $"sent in {send:F1}s = {n / send:F0}/s; slip duration p50 {P(50):F0} ms, p99 {P(99):F0} ms");
Console.WriteLine(JsonSerializer.Serialize(new
{
    peer = "masstransit-courier-http", n, prefetch, queues = quorum ? "quorum" : "classic", label, completed = counter.Completed, faulted = counter.Faulted, compensationFailed = counter.CompensationFailed,
    startedUnix, endedUnix = startedUnix + total, seconds = Math.Round(total, 2), perSecond = Math.Round(n / total, 1), sendPerSecond = Math.Round(n / send, 1),
    durationMs = new { p50 = Math.Round(P(50)), p95 = Math.Round(P(95)), p99 = Math.Round(P(99)) },
}));
await host.StopAsync();

public record SystemUrls(string Inventory, string Billing, string Shipping);

/// <summary>One HTTP client per system API, as ApiLed's process API has (typed clients over a pooled handler).</summary>
public sealed class SystemApis(SystemUrls urls)
{
    private static HttpClient Client(string url) => new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
    { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(3) };

    public HttpClient Inventory { get; } = Client(urls.Inventory);
    public HttpClient Billing { get; } = Client(urls.Billing);
    public HttpClient Shipping { get; } = Client(urls.Shipping);

    /// <summary>POSTs like ApiLed's SystemApiClient: JSON (web defaults) and the step's Idempotency-Key.</summary>
    public static async Task<(bool Ok, string Detail)> PostAsync(HttpClient http, string path, object? body, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            return (true, text);
        }

        var code = (int)response.StatusCode;
        if (code >= 500 || code is 408 or 429)
        {
            throw new HttpRequestException($"{http.BaseAddress?.Authority} answered {code}"); // transient: retried
        }

        return (false, $"HTTP {code}: {text}"); // a business "no": final
    }
}

public record OrderLine(string Sku, int Quantity);
public record ShippingAddress(string Name, string Line1, string City, string PostalCode, string Country);
public record ReserveArgs(string OrderId, OrderLine[] Lines); public record ReserveLog(string OrderId);
public record ChargeArgs(string OrderId, string PaymentReference, long AmountCents, string Currency); public record ChargeLog(string OrderId);
public record ShipArgs(string OrderId, OrderLine[] Lines, ShippingAddress ShipTo); public record ShipLog(string OrderId);

public class ReserveActivity(SystemApis apis) : IActivity<ReserveArgs, ReserveLog>
{
    public async Task<ExecutionResult> Execute(ExecuteContext<ReserveArgs> c)
    {
        var a = c.Arguments;
        var (ok, detail) = await SystemApis.PostAsync(apis.Inventory, "/api/v1/reservations", new { a.OrderId, a.Lines },
            $"{a.OrderId}/reserve-inventory/inventory.reserve", c.CancellationToken);
        return ok ? c.Completed(new ReserveLog(a.OrderId)) : c.Faulted(new InvalidOperationException(detail));
    }

    public async Task<CompensationResult> Compensate(CompensateContext<ReserveLog> c)
    {
        var (ok, detail) = await SystemApis.PostAsync(apis.Inventory, $"/api/v1/reservations/{c.Log.OrderId}/release", null,
            $"{c.Log.OrderId}/reserve-inventory/inventory.release", c.CancellationToken);
        return ok ? c.Compensated() : c.Failed(new InvalidOperationException(detail));
    }
}

public class ChargeActivity(SystemApis apis) : IActivity<ChargeArgs, ChargeLog>
{
    public async Task<ExecutionResult> Execute(ExecuteContext<ChargeArgs> c)
    {
        var a = c.Arguments;
        var (ok, detail) = await SystemApis.PostAsync(apis.Billing, "/api/v1/charges", new { a.OrderId, a.PaymentReference, a.AmountCents, a.Currency },
            $"{a.OrderId}/charge-payment/billing.charge", c.CancellationToken);
        return ok ? c.Completed(new ChargeLog(a.OrderId)) : c.Faulted(new InvalidOperationException(detail));
    }

    public async Task<CompensationResult> Compensate(CompensateContext<ChargeLog> c)
    {
        var (ok, detail) = await SystemApis.PostAsync(apis.Billing, $"/api/v1/charges/{c.Log.OrderId}/refund", null,
            $"{c.Log.OrderId}/charge-payment/billing.refund", c.CancellationToken);
        return ok ? c.Compensated() : c.Failed(new InvalidOperationException(detail));
    }
}

public class ShipActivity(SystemApis apis) : IActivity<ShipArgs, ShipLog>
{
    public async Task<ExecutionResult> Execute(ExecuteContext<ShipArgs> c)
    {
        var a = c.Arguments;
        var (ok, detail) = await SystemApis.PostAsync(apis.Shipping, "/api/v1/shipments", new { a.OrderId, a.Lines, a.ShipTo },
            $"{a.OrderId}/create-shipment/shipping.create-shipment", c.CancellationToken);
        return ok ? c.Completed(new ShipLog(a.OrderId)) : c.Faulted(new InvalidOperationException(detail));
    }

    public async Task<CompensationResult> Compensate(CompensateContext<ShipLog> c)
    {
        var (ok, detail) = await SystemApis.PostAsync(apis.Shipping, $"/api/v1/shipments/{c.Log.OrderId}/cancel", null,
            $"{c.Log.OrderId}/create-shipment/shipping.cancel-shipment", c.CancellationToken);
        return ok ? c.Compensated() : c.Failed(new InvalidOperationException(detail));
    }
}

public sealed class Counter
{
    private int target;
    private int terminal;
    public int Completed, Faulted, CompensationFailed;
    public System.Collections.Concurrent.ConcurrentBag<double> Durations { get; private set; } = [];
    public TaskCompletionSource Done { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Reset(int n)
    {
        target = n; terminal = 0; Completed = 0; Faulted = 0; CompensationFailed = 0; Durations = [];
        Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Record(ref int kind, TimeSpan duration)
    {
        Interlocked.Increment(ref kind);
        Durations.Add(duration.TotalMilliseconds);
        if (Interlocked.Increment(ref terminal) == target) Done.TrySetResult();
    }
}

[ExcludeFromConfigureEndpoints]
public class OutcomeConsumer(Counter counter) :
    IConsumer<RoutingSlipCompleted>, IConsumer<RoutingSlipFaulted>, IConsumer<RoutingSlipCompensationFailed>
{
    public Task Consume(ConsumeContext<RoutingSlipCompleted> c) { counter.Record(ref counter.Completed, c.Message.Duration); return Task.CompletedTask; }
    public Task Consume(ConsumeContext<RoutingSlipFaulted> c) { counter.Record(ref counter.Faulted, c.Message.Duration); return Task.CompletedTask; }
    public Task Consume(ConsumeContext<RoutingSlipCompensationFailed> c) { counter.Record(ref counter.CompensationFailed, c.Message.Duration); return Task.CompletedTask; }
}
