using System.Runtime.InteropServices;
using System.Text.Json;
using ApiLed.Bench;
using ApiLed.LayerRunner;

// The bench: the three flow modes and the MassTransit Courier peer, one after another on this machine, each on a layer of
// its own; prints the table and writes the plot. `--help` lists the options.
BenchOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(BenchOptions.Usage);
        return 0;
    }

    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
var ct = cancel.Token;
void Say(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

if (options.Command == "running")
{
    return await RunningLayerRun.RunAsync(options, Say, ct);
}

if (options.Command == "broker")
{
    try
    {
        return await BrokerFloorRun.RunAsync(options, Say, ct);
    }
    catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException
                               or RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
    {
        Console.Error.WriteLine($"The broker bench could not finish: {ex.Message} (its RabbitMQ node's folder under {Path.GetTempPath()}apiled-bench is kept for its logs)");
        return 1;
    }
}

var root = LayerProcesses.FindRepositoryRoot();
if (options.Build)
{
    Say("building ApiLed.sln (Release)...");
    var (code, output) = await ExternalCommand.RunAsync("dotnet", ["build", "ApiLed.sln", "-c", "Release", "-nologo", "-v", "quiet"], null,
        TimeSpan.FromMinutes(10), ct, root);
    if (code != 0)
    {
        Console.Error.WriteLine(output);
        return 2;
    }
}

var peerDll = options.Command == "compare" && options.Peer ? await PeerRun.BuildAsync(root, ct) : null;
var results = new List<BenchResult>();
try
{
    foreach (var concurrency in options.Concurrency)
    {
        foreach (var mode in options.Modes)
        {
            foreach (var steps in options.Steps)
            {
                results.Add(await LayerRun.RunAsync(mode, concurrency, steps, options, root, Say, ct));
            }
        }
    }

    if (peerDll is not null)
    {
        results.Add(await PeerRun.RunAsync(peerDll, options, root, Say, ct));
    }
}
catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or TimeoutException)
{
    Console.Error.WriteLine($"The bench could not finish: {ex.Message}");
    if (results.Count == 0)
    {
        return 1;
    }
}

var title = $"ApiLed bench, {DateTime.Now:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {options.Orders} orders per run";
Console.WriteLine();
Console.WriteLine(title);
Console.WriteLine();
Console.WriteLine(ResultTable.Render(results));
if (options.Report is { } report)
{
    await File.WriteAllTextAsync(report, JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }), ct);
    Say($"results written to {report}");
}

if (options.Plot is { } plot)
{
    await File.WriteAllTextAsync(plot, ResultPlot.Render(results, title), ct);
    Say($"plot written to {plot}");
}

return 0;
