using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

// Load through the gateway of a running layer (./run.sh): places orders with bounded concurrency, measures how
// fast they are accepted (202) and how long each takes to reach a terminal status, and prints a table.
//   dotnet run --project bench/ApiLed.Bench -c Release -- --orders 300 --concurrency 16
var settings = BenchSettings.Parse(args);
using var gateway = new HttpClient { BaseAddress = new Uri(settings.Gateway), Timeout = TimeSpan.FromSeconds(30) };
gateway.DefaultRequestHeaders.Add("X-Api-Key", settings.ApiKey);
using var inventory = new HttpClient { BaseAddress = new Uri(settings.Inventory) };

var sku = $"SKU-BENCH-{DateTime.UtcNow:HHmmss}";
(await inventory.PutAsJsonAsync($"/api/v1/stock/{sku}", new { name = "Bench item", unitPriceCents = 100, onHand = settings.Orders })).EnsureSuccessStatusCode();

var accepted = new List<(string OrderId, double AcceptMs, long StartedAt)>();
var failures = 0;
var clock = Stopwatch.StartNew();
using (var slots = new SemaphoreSlim(settings.Concurrency))
{
    var tasks = Enumerable.Range(0, settings.Orders).Select(async i =>
    {
        await slots.WaitAsync();
        try
        {
            var started = clock.ElapsedTicks;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders")
            {
                Content = JsonContent.Create(new
                {
                    customerId = "bench",
                    lines = new[] { new { sku, quantity = 1 } },
                    paymentReference = "card-ok-4242",
                    shipTo = new { name = "Bench", line1 = "1 Load St", city = "Berlin", postalCode = "10115", country = "DE" },
                }),
            };
            request.Headers.Add("Idempotency-Key", $"bench-{sku}-{i}");
            using var response = await gateway.SendAsync(request);
            var ms = Stopwatch.GetElapsedTime(started, clock.ElapsedTicks).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref failures);
                return;
            }

            lock (accepted)
            {
                accepted.Add((response.Headers.Location!.OriginalString.Split('/')[^1], ms, started));
            }
        }
        finally
        {
            slots.Release();
        }
    });
    await Task.WhenAll(tasks);
}

var acceptWall = clock.Elapsed;
var completion = new List<double>();
var outcomes = new Dictionary<string, int>();
var pending = accepted.ToList();
var deadline = clock.Elapsed + TimeSpan.FromMinutes(5);
while (pending.Count > 0 && clock.Elapsed < deadline)
{
    foreach (var order in pending.ToList())
    {
        var view = await gateway.GetFromJsonAsync<JsonElement>($"/api/v1/orders/{order.OrderId}");
        var status = view.GetProperty("status").GetString()!;
        if (status is "completed" or "failed" or "needs-attention")
        {
            // The layer's own clock: accepted (stored with its outbox row) to the saga's terminal transition.
            completion.Add((view.GetProperty("updatedAt").GetDateTimeOffset() - view.GetProperty("acceptedAt").GetDateTimeOffset()).TotalMilliseconds);
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
            pending.Remove(order);
        }
    }

    await Task.Delay(100);
}

var allDone = clock.Elapsed;
Console.WriteLine();
Console.WriteLine($"ApiLed bench: {settings.Orders} orders, concurrency {settings.Concurrency}, gateway {settings.Gateway}, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine($"| {"measure",-40} | {"value",12} |");
Console.WriteLine($"| {new string('-', 40)} | {new string('-', 12)} |");
Row("orders accepted (202)", accepted.Count.ToString());
Row("orders refused or failed to send", failures.ToString());
Row("accept throughput (orders/s)", (accepted.Count / acceptWall.TotalSeconds).ToString("0.0"));
Row("accept latency p50 (ms)", Percentile(accepted.Select(a => a.AcceptMs), 50).ToString("0.0"));
Row("accept latency p95 (ms)", Percentile(accepted.Select(a => a.AcceptMs), 95).ToString("0.0"));
Row("accept latency p99 (ms)", Percentile(accepted.Select(a => a.AcceptMs), 99).ToString("0.0"));
Row("accepted to terminal p50 (ms)", Percentile(completion, 50).ToString("0"));
Row("accepted to terminal p95 (ms)", Percentile(completion, 95).ToString("0"));
Row("accepted to terminal p99 (ms)", Percentile(completion, 99).ToString("0"));
Row("all terminal after (s)", allDone.TotalSeconds.ToString("0.0"));
foreach (var (status, count) in outcomes.OrderBy(o => o.Key))
{
    Row($"ended {status}", count.ToString());
}

Row("still unfinished after 5 min", pending.Count.ToString());
return pending.Count == 0 && failures == 0 ? 0 : 1;

static void Row(string name, string value) => Console.WriteLine($"| {name,-40} | {value,12} |");

static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal sealed record BenchSettings(string Gateway, string Inventory, string ApiKey, int Orders, int Concurrency)
{
    public static BenchSettings Parse(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var at = Array.IndexOf(args, "--" + name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        return new BenchSettings(
            Arg("gateway", "http://127.0.0.1:8080"),
            Arg("inventory", "http://127.0.0.1:5201"),
            Arg("key", Environment.GetEnvironmentVariable("APILED_API_KEY") ?? "ak_demo_bench_368ec653b2b1096eb956360e"),
            int.Parse(Arg("orders", "200"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Arg("concurrency", "16"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
