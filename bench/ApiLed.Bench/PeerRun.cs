using System.Diagnostics;
using System.Text.Json;
using ApiLed.LayerRunner;

namespace ApiLed.Bench;

/// <summary>
/// MassTransit Courier doing the same HTTP work (bench/peers/masstransit-courier-http), against the system APIs of a
/// layer of its own and over that layer's broker node: the same machine, the same system APIs, the same broker.
/// </summary>
public static class PeerRun
{
    private const string Project = "bench/peers/masstransit-courier-http";

    public static async Task<string> BuildAsync(string root, CancellationToken ct)
    {
        var output = Path.Combine(Path.GetTempPath(), "apiled-bench-peer");
        var (code, text) = await ExternalCommand.RunAsync("dotnet", ["build", Project, "-c", "Release", "-nologo", "-v", "quiet", "-o", output],
            null, TimeSpan.FromMinutes(10), ct, root);
        if (code != 0)
        {
            throw new InvalidOperationException($"Building the Courier peer failed:{Environment.NewLine}{text}");
        }

        return Path.Combine(output, "MtbHttp.dll");
    }

    public static Task<BenchResult> RunAsync(string peerDll, BenchOptions options, string root, Action<string> say, CancellationToken ct) =>
        RunFolder.UseAsync("courier-peer", options.KeepData, say, folder => RunInAsync(folder, peerDll, options, root, say, ct));

    private static async Task<BenchResult> RunInAsync(string folder, string peerDll, BenchOptions options, string root, Action<string> say,
        CancellationToken ct)
    {
        say($"MassTransit Courier peer, prefetch {options.PeerPrefetch}: starting a layer of its own (for its system APIs and broker) in {folder}");
        await using var layer = await LayerProcesses.StartAsync(new LayerSettings { OrderFlow = LayerRun.FlowOf("orchestration"), Build = false },
            root, folder, s => { }, ct);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     peerDll, options.Orders.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     options.PeerPrefetch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     layer.BaseUrl(LayerService.Inventory), layer.BaseUrl(LayerService.Billing), layer.BaseUrl(LayerService.Shipping),
                 })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["RABBITMQ_PORT"] = layer.Broker!.AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["WARMUP"] = options.Warmup.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LABEL"] = "bench";
        info.Environment["SETTLE_ON_STDIN"] = "1"; // after its warm-up it waits for a line, sent once the machine is quiet
        // The same host setting as ApiLed's services (Directory.Build.props): idle thread-pool workers do not spin.
        info.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        using var peer = Process.Start(info) ?? throw new InvalidOperationException("The Courier peer did not start.");
        try
        {
            var pids = new Dictionary<string, int>
            {
                ["courier-peer"] = peer.Id,
                ["inventory-api"] = layer.ProcessId(LayerService.Inventory)!.Value,
                ["billing-api"] = layer.ProcessId(LayerService.Billing)!.Value,
                ["shipping-api"] = layer.ProcessId(LayerService.Shipping)!.Value,
                ["bench"] = Environment.ProcessId,
            };
            if (layer.Broker.ProcessId is { } broker)
            {
                pids["rabbitmq"] = broker;
            }

            var errors = peer.StandardError.ReadToEndAsync(ct);
            CpuSnapshot? start = null;
            CpuSnapshot? end = null;
            JsonElement? summary = null;
            IReadOnlyDictionary<string, long> peaks = new Dictionary<string, long>();
            MemoryWatch? memory = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(20));
            while (await peer.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == "warmed")
                {
                    await QuietMachine.WaitAsync(say, timeout.Token);
                    await peer.StandardInput.WriteLineAsync("go".AsMemory(), timeout.Token);
                    await peer.StandardInput.FlushAsync(timeout.Token);
                }
                else if (line == "measuring")
                {
                    start = CpuSnapshot.Take(pids);
                    memory = new MemoryWatch(pids);
                }
                else if (line.StartsWith('{'))
                {
                    end = CpuSnapshot.Take(pids);
                    summary = JsonDocument.Parse(line).RootElement.Clone();
                    if (memory is not null)
                    {
                        peaks = memory.Peaks;
                        await memory.DisposeAsync();
                        memory = null;
                    }
                }
            }

            await peer.WaitForExitAsync(timeout.Token);
            if (start is null || end is null || summary is not { } s)
            {
                throw new InvalidOperationException($"The Courier peer ended (exit {peer.ExitCode}) without its figures: {await errors}");
            }

            var duration = s.GetProperty("durationMs");
            var result = new BenchResult
            {
                Name = "MassTransit Courier",
                Orders = s.GetProperty("n").GetInt32(),
                Concurrency = options.PeerPrefetch,
                Completed = s.GetProperty("completed").GetInt32(),
                Failed = s.GetProperty("faulted").GetInt32() + s.GetProperty("compensationFailed").GetInt32(),
                CompletedPerSecond = s.GetProperty("perSecond").GetDouble(),
                AcceptedPerSecond = s.GetProperty("sendPerSecond").GetDouble(),
                AcceptP50Ms = double.NaN,
                AcceptP99Ms = double.NaN,
                TerminalP50Ms = duration.GetProperty("p50").GetDouble(),
                TerminalP99Ms = duration.GetProperty("p99").GetDouble(),
                CpuMsPerOrder = end.PerOrderSince(start, s.GetProperty("n").GetInt32()),
                MachineBusyPercent = end.MachineBusyPercentSince(start),
                PeakRssMb = peaks.ToDictionary(p => p.Key, p => p.Value / (1024.0 * 1024)),
                Note = $"routing slips sent all at once, prefetch {options.PeerPrefetch} ({s.GetProperty("queues").GetString()} queues); the layer's process API, experience API and gateway idle beside it",
            };
            say($"  {result.CompletedPerSecond:0.0} slips/s, slip p50 {result.TerminalP50Ms:0} ms, {result.CpuMsPerOrder["machine"]:0.00} CPU-ms per slip (machine)");
            return result;
        }
        finally
        {
            if (!peer.HasExited)
            {
                peer.Kill(entireProcessTree: true);
            }
        }
    }
}
