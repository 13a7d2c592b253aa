using ApiLed.LayerRunner;

namespace ApiLed.Bench;

/// <summary>One measured run of the layer in one flow mode, on a layer of its own.</summary>
public static class LayerRun
{
    public const string BenchPartner = "demo-bench";

    private const double Mb = 1024 * 1024;

    public static string FlowOf(string mode) => mode switch
    {
        "orchestration" => "order-fulfillment-orchestrated",
        "choreography" => "order-fulfillment-choreographed",
        _ => "order-fulfillment",
    };

    /// <summary>The shipped six-step flow (each change followed by a read of the same system); the bench sets its mode.</summary>
    public const string SixStepFlow = "order-fulfillment-checked";

    public static Task<BenchResult> RunAsync(string mode, int concurrency, int steps, BenchOptions options, string root, Action<string> say,
        CancellationToken ct) =>
        RunFolder.UseAsync($"{mode}-{steps}-steps-c{concurrency}", options.KeepData, say,
            folder => RunInAsync(folder, mode, concurrency, steps, options, root, say, ct));

    private static async Task<BenchResult> RunInAsync(string folder, string mode, int concurrency, int steps, BenchOptions options, string root,
        Action<string> say, CancellationToken ct)
    {
        IEnumerable<KeyValuePair<string, string>> flow = steps == 6
            ? [KeyValuePair.Create($"Flows__Definitions__{SixStepFlow}__Mode", mode)]
            : [];
        var settings = new LayerSettings
        {
            OrderFlow = steps == 6 ? SixStepFlow : FlowOf(mode),
            Build = false,
            PostgresServer = options.PostgresServer,
            ProcessInstances = options.ProcessInstances,
            Environment = Enum.GetValues<LayerService>().ToDictionary(s => s, s => (IReadOnlyDictionary<string, string>)
                options.ServiceEnvironment.Concat(s == LayerService.ProcessApi ? options.ProcessEnvironment.Concat(flow) : [])
                    .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value)),
        };
        say($"{mode}, {steps} steps, concurrency {concurrency}: starting a layer of its own in {folder}");
        await using (var layer = await LayerProcesses.StartAsync(settings, root, folder, s => { }, ct))
        {
            var pids = Pids(layer);
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var idle = Rss(pids);

            using var gateway = new HttpClient { BaseAddress = new Uri(layer.Endpoints.GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
            gateway.DefaultRequestHeaders.Add("X-Api-Key", LayerEndpoints.DemoBenchKey);
            using var inventory = new HttpClient { BaseAddress = new Uri(layer.BaseUrl(LayerService.Inventory)), Timeout = TimeSpan.FromSeconds(30) };
            var sku = $"SKU-BENCH-{mode.ToUpperInvariant()}-{concurrency}";
            using (var stock = await inventory.PutAsync($"/api/v1/stock/{sku}", System.Net.Http.Json.JsonContent.Create(
                       new { name = "Bench item", unitPriceCents = 100, onHand = options.Warmup + options.Orders }), ct))
            {
                stock.EnsureSuccessStatusCode();
            }

            var load = new OrderLoad(gateway, sku);
            var readModel = layer.StoreConnectionString(LayerService.ExperienceApi) is { } postgres
                ? ReadModel.OfPostgres(postgres, BenchPartner)
                : ReadModel.OfSqlite(layer.StorePath(LayerService.ExperienceApi), BenchPartner);
            if (options.Warmup > 0)
            {
                say($"  warm-up: {options.Warmup} orders");
                var warm = await load.PlaceAsync("warm", options.Warmup, concurrency, ct);
                if (!await readModel.WaitTerminalAsync("warm", warm.Accepted, TimeSpan.FromMinutes(5), ct))
                {
                    throw new InvalidOperationException($"The warm-up orders did not all finish within 5 minutes (logs: {layer.LogDirectory}).");
                }

                await QuietMachine.WaitAsync(say, ct);
            }

            say($"  measuring: {options.Orders} orders");
            var start = CpuSnapshot.Take(pids);
            CpuSnapshot end;
            OrderLoad.Result placed;
            IReadOnlyDictionary<string, long> peaks;
            await using (var memory = new MemoryWatch(pids))
            {
                placed = await load.PlaceAsync("run", options.Orders, concurrency, ct, options.Rate);
                if (!await readModel.WaitTerminalAsync("run", placed.Accepted, TimeSpan.FromMinutes(15), ct))
                {
                    throw new InvalidOperationException($"The measured orders did not all finish within 15 minutes (logs: {layer.LogDirectory}).");
                }

                end = CpuSnapshot.Take(pids);
                peaks = memory.Peaks;
            }

            var times = await readModel.TimesAsync("run", ct);
            var terminalMs = times.Select(t => (t.UpdatedAt - t.AcceptedAt).TotalMilliseconds).ToList();
            var span = times.Max(t => t.UpdatedAt) - times.Min(t => t.AcceptedAt);
            var result = new BenchResult
            {
                Name = steps == 3 ? mode : $"{mode} ({steps} steps)",
                Orders = placed.Accepted,
                Concurrency = concurrency,
                Completed = times.Count(t => t.Status == "completed"),
                Failed = times.Count(t => t.Status != "completed"),
                CompletedPerSecond = times.Count / span.TotalSeconds,
                AcceptedPerSecond = placed.Accepted / placed.Elapsed.TotalSeconds,
                AcceptP50Ms = Percentiles.Of(placed.AcceptMs, 50),
                AcceptP99Ms = Percentiles.Of(placed.AcceptMs, 99),
                TerminalP50Ms = Percentiles.Of(terminalMs, 50),
                TerminalP99Ms = Percentiles.Of(terminalMs, 99),
                CpuMsPerOrder = end.PerOrderSince(start, placed.Accepted),
                MachineBusyPercent = end.MachineBusyPercentSince(start),
                IdleRssMb = idle,
                PeakRssMb = peaks.ToDictionary(p => p.Key, p => p.Value / Mb),
                Note = string.Join("; ", new[]
                {
                    options.Rate is { } rate ? $"offered at {rate:0} orders/s" : null,
                    placed.Refused > 0 ? $"{placed.Refused} orders refused" : null,
                }.Where(n => n is not null)) is { Length: > 0 } note ? note : null,
            };
            say($"  {result.CompletedPerSecond:0.0} sagas/s, terminal p50 {result.TerminalP50Ms:0} ms, {result.CpuMsPerOrder["machine"]:0.00} CPU-ms per order (machine)");
            return result;
        }
    }

    /// <summary>The layer's processes by name: the six services, the broker's Erlang VM and the bench itself.</summary>
    public static Dictionary<string, int> Pids(LayerProcesses layer)
    {
        var pids = Enum.GetValues<LayerService>()
            .Where(s => layer.ProcessId(s) is not null)
            .ToDictionary(LayerProcesses.NameOf, s => layer.ProcessId(s)!.Value);
        foreach (var (more, i) in layer.MoreProcessApis.Select((p, i) => (p, i + 2)))
        {
            if (more.ProcessId is { } pid)
            {
                pids[$"process-api-{i}"] = pid;
            }
        }

        if (layer.Broker?.ProcessId is { } broker)
        {
            pids["rabbitmq"] = broker;
        }

        pids["bench"] = Environment.ProcessId;
        return pids;
    }

    public static Dictionary<string, double> Rss(IReadOnlyDictionary<string, int> pids) =>
        pids.Where(p => p.Key != "bench")
            .ToDictionary(p => p.Key, p => (ProcessCpu.ResidentBytes(p.Value) ?? 0) / Mb);
}
