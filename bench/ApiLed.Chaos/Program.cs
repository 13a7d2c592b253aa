using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ApiLed.Chaos;
using ApiLed.LayerRunner;

// The chaos run, in the order it happens. `dotnet run --project bench/ApiLed.Chaos -- --help` lists the options.
ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message.Length > 0 ? e.Message + Environment.NewLine : "");
    Console.Error.WriteLine(ChaosOptions.Usage);
    return e.Message.Length > 0 ? 2 : 0;
}

if (options.Ports is { } ports)
{
    FreePorts.UseRange(ports);
}

// Ctrl-C and SIGTERM cancel the run; whatever was started is still stopped below.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
var ct = cancel.Token;
void Say(string line) => Console.WriteLine(line);

var whole = Stopwatch.StartNew();
var runId = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(256).ToString("x2", CultureInfo.InvariantCulture);
var folder = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "apiled-chaos", $"{runId}-{options.Mode}");
var mix = OrderMix.Create(options.Orders, options.Seed, runId, options.Approvals);
var records = mix.Orders.Select(o => new OrderRecord(o)).ToList();
LayerProcesses? layer = null;
var keepData = options.KeepData;
try
{
    // 1. The layer: the tool's own (broker node, WireMock in front of billing, six services), or a running one.
    LayerEndpoints endpoints;
    if (options.UseRunning)
    {
        endpoints = options.Running;
    }
    else
    {
        try
        {
            layer = await LayerProcesses.StartAsync(options.Layer, LayerProcesses.FindRepositoryRoot(), folder, Say, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"The layer did not start: {e.Message}{Environment.NewLine}Its logs are kept in {folder}.");
            keepData = true;
            return 2;
        }

        endpoints = layer.Endpoints;
    }

    using var gateway = new GatewayClient(endpoints);
    using var systems = new SystemRecords(endpoints);
    var mode = options.UseRunning ? await gateway.DescribeOrderFlowAsync(ct) ?? "as configured on the running layer"
        : $"{options.Mode} ({options.OrderFlow}{(options.Approvals ? $", approvals above 1,000.00 decided by the tool, deadline {options.ApprovalDeadline.TotalSeconds:0} s" : "")})";
    var report = new ChaosReport
    {
        Title = $"ApiLed chaos run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: mode {mode}, {options.Orders} orders, concurrency {options.Concurrency}, " +
                $"seed {options.Seed}, faults {options.FaultsText}, {Environment.ProcessorCount} cores" +
                (options.UseRunning ? "" : $"; stores on {(options.PostgresServer is null ? "SQLite" : "PostgreSQL")}, " +
                    $"{options.ProcessInstances} process API instance(s), {options.BrokerNodes} broker node(s)"),
    };
    Say(report.Title);

    // 2. The run's own SKUs, then the load through the gateway while the faults are injected.
    await systems.CreateStockAsync(mix, ct);
    var schedule = new FaultSchedule(options);
    var load = new OrderLoad(gateway, options.Concurrency, Say);
    Say($"placing {options.Orders} orders over {schedule.LoadWindow.TotalSeconds:0} s{(options.Faults.Count + (options.BillingFaults ? 1 : 0) > 0 ? " while injecting faults" : "")}...");
    var clock = Stopwatch.StartNew();
    using var stopDesk = CancellationTokenSource.CreateLinkedTokenSource(ct);
    var desk = options.Approvals ? new ApprovalDesk(gateway, records, Say).RunAsync(stopDesk.Token) : Task.CompletedTask;
    var faults = schedule.RunAsync(layer, clock, Say, ct);
    await load.RunAsync(records, schedule.LoadWindow, clock, ct);
    await faults;

    // 3. The causes are fixed (no more WireMock faults); every order settles, an operator retries the parked sagas.
    await schedule.EndBillingFaultsAsync(layer, clock, ct);
    Say("waiting for the orders to settle...");
    await load.ResendUnacceptedAsync(records, ct);
    var settlement = new Settlement(gateway, Say);
    await settlement.SettleAsync(records, options.SettleTimeout, clock, ct);
    var settledAfter = clock.Elapsed;
    await stopDesk.CancelAsync();
    await desk;

    // 4. The checks, against the system APIs' own records.
    var (snapshot, stillChanging) = await systems.ReadSettledAsync(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30), ct);
    report.Violations = InvariantChecker.Check(records, mix, snapshot, stillChanging, ownLayer: layer is not null);
    report.Faults = schedule.Done;
    report.Summarize(records, mix, snapshot, settlement.OperatorRetries, schedule.LoadWindow, settledAfter, whole.Elapsed);
    report.Print(Console.Out);
    if (options.ReportPath is not null)
    {
        report.WriteJson(options.ReportPath);
    }

    keepData |= report.Violations.Count > 0;
    return report.Violations.Count == 0 ? 0 : 1;
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled: stopping what the run started.");
    return 130;
}
catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or TimeoutException or IOException)
{
    // The run itself broke (e.g. a running layer that is not there): no verdict on the invariants.
    Console.Error.WriteLine($"The chaos run could not go on: {e.Message}");
    keepData = true;
    return 2;
}
finally
{
    if (layer is not null)
    {
        await layer.DisposeAsync();
        if (keepData)
        {
            Say($"stores, logs and the broker's files are kept in {folder}");
        }
        else
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Say($"could not delete {folder}: {e.Message}");
            }
        }
    }
}
