using System.Diagnostics;

using ApiLed.LayerRunner;

namespace ApiLed.Chaos;

/// <summary>
/// When each fault happens. The faults run one after the other, each at its planned time (or as soon as the one
/// before it is over and the layer is back), spread over the load window; the load window is as long as the faults are
/// expected to take, so that every fault meets orders arriving. The billing faults through WireMock last the whole load.
/// </summary>
internal sealed class FaultSchedule
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(4);
    private readonly ChaosOptions _options;
    private readonly List<(FaultKind Kind, TimeSpan At)> _events = [];
    private readonly List<FaultRecord> _done = [];
    private TimeSpan _billingFaultsFrom;
    private string? _billingFaults;

    public FaultSchedule(ChaosOptions options)
    {
        _options = options;
        var at = Lead;
        foreach (var kind in options.Faults)
        {
            _events.Add((kind, at));
            at += Expected(kind) + Gap;
        }

        var expected = options.Faults.Count > 0 ? at + Lead : TimeSpan.FromSeconds(Math.Max(5, options.Orders / 100.0));
        LoadWindow = options.Duration ?? expected;
        var scale = LoadWindow / expected;
        for (var i = 0; i < _events.Count; i++)
        {
            _events[i] = (_events[i].Kind, _events[i].At * scale);
        }
    }

    /// <summary>How long the orders are spread over.</summary>
    public TimeSpan LoadWindow { get; }

    /// <summary>What was injected, in order.</summary>
    public IReadOnlyList<FaultRecord> Done => _done;

    /// <summary>Turns the WireMock faults on (when asked for) and runs every fault event; failures to recover are recorded, not thrown.</summary>
    public async Task RunAsync(LayerProcesses? layer, Stopwatch clock, Action<string> say, CancellationToken ct)
    {
        if (layer?.BillingProxy is { } proxy && _options.BillingFaults)
        {
            _billingFaultsFrom = clock.Elapsed;
            _billingFaults = await proxy.EnableFaultsAsync(layer.Endpoints.BillingUrl, _options.Seed, ct);
        }

        if (layer is null)
        {
            return;
        }

        foreach (var (kind, at) in _events)
        {
            var wait = at - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            var start = clock.Elapsed;
            say($"  t={start.TotalSeconds,5:0}s  {Name(kind)}: {Describe(kind)}");
            string detail;
            string? error = null;
            try
            {
                detail = await InjectAsync(kind, layer, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                detail = Describe(kind);
                error = e.Message;
            }

            var record = new FaultRecord(Name(kind), detail, start, clock.Elapsed, error);
            _done.Add(record);
            say($"  t={record.End.TotalSeconds,5:0}s  {record.Name} over after {(record.End - record.Start).TotalSeconds:0.0} s: {detail}{(error is null ? "" : " FAILED: " + error)}");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>Turns the WireMock faults off (the operator fixed the cause) and records how long they lasted.</summary>
    public async Task EndBillingFaultsAsync(LayerProcesses? layer, Stopwatch clock, CancellationToken ct)
    {
        if (_billingFaults is not null && layer?.BillingProxy is { } proxy)
        {
            await proxy.DisableFaultsAsync(ct);
            _done.Insert(0, new FaultRecord("billing-faults", _billingFaults, _billingFaultsFrom, clock.Elapsed, null));
            _billingFaults = null;
        }
    }

    private async Task<string> InjectAsync(FaultKind kind, LayerProcesses layer, CancellationToken ct)
    {
        var broker = layer.Broker!;
        switch (kind)
        {
            case FaultKind.BrokerAppStop:
                await broker.StopAppAsync(ct);
                await Task.Delay(_options.BrokerOutage, ct);
                await broker.StartAppAsync(ct);
                return $"rabbitmqctl stop_app, {_options.BrokerOutage.TotalSeconds:0} s down, start_app";
            case FaultKind.BrokerRestart:
                await broker.RestartNodeAsync(ct);
                return $"rabbitmqctl stop (node {broker.NodeName}), rabbitmq-server -detached";
            case FaultKind.ProcessInstanceKill:
                var instance = layer.MoreProcessApis[0];
                var killed = instance.ProcessId;
                await instance.KillAsync();
                await Task.Delay(_options.InstanceOutage, ct);
                instance.Start();
                await instance.WaitReadyAsync(TimeSpan.FromSeconds(90), ct);
                return $"SIGKILL process API instance 2 (pid {killed}), {_options.InstanceOutage.TotalSeconds:0} s down, restarted as pid {instance.ProcessId}";
            case FaultKind.PostgresRestart:
                return await PostgresServer.RestartAsync(_options.PostgresData, ct);
            case FaultKind.BrokerNodeStop:
                await broker.StopNodeAsync(ct);
                await Task.Delay(_options.BrokerOutage, ct);
                await broker.StartNodeAsync(ct);
                return $"rabbitmqctl stop of node {broker.NodeName} (1 of {layer.BrokerNodes.Count}), {_options.BrokerOutage.TotalSeconds:0} s down, started again";
            default:
                var service = Service(kind);
                var pid = layer.ProcessId(service);
                await layer.KillAndRestartAsync(service, ct);
                return $"{Describe(kind)} (pid {pid}), restarted as pid {layer.ProcessId(service)}";
        }
    }

    private LayerService Service(FaultKind kind) => kind switch
    {
        FaultKind.ProcessKill => LayerService.ProcessApi,
        FaultKind.BillingKill => LayerService.Billing,
        _ => _options.KillSystem == "shipping" ? LayerService.Shipping : LayerService.Inventory,
    };

    private string Describe(FaultKind kind) => kind switch
    {
        FaultKind.ProcessKill => "SIGKILL the process API",
        FaultKind.BillingKill => "SIGKILL billing and its participant",
        FaultKind.SystemKill => $"SIGKILL {_options.KillSystem} and its participant",
        FaultKind.BrokerAppStop => "broker app stop",
        FaultKind.ProcessInstanceKill => "SIGKILL one of two process API instances",
        FaultKind.PostgresRestart => "restart the PostgreSQL server",
        FaultKind.BrokerNodeStop => "stop one node of the three-node broker",
        _ => "broker node restart",
    };

    private static string Name(FaultKind kind) => kind switch
    {
        FaultKind.ProcessKill => "process-kill",
        FaultKind.BillingKill => "billing-kill",
        FaultKind.BrokerAppStop => "broker-app-stop",
        FaultKind.BrokerRestart => "broker-restart",
        FaultKind.ProcessInstanceKill => "process-instance-kill",
        FaultKind.PostgresRestart => "postgres-restart",
        FaultKind.BrokerNodeStop => "broker-node-stop",
        _ => "system-kill",
    };

    private TimeSpan Expected(FaultKind kind) => kind switch
    {
        FaultKind.BrokerAppStop => _options.BrokerOutage + TimeSpan.FromSeconds(8),
        FaultKind.BrokerRestart => TimeSpan.FromSeconds(25),
        FaultKind.ProcessInstanceKill => _options.InstanceOutage + TimeSpan.FromSeconds(6),
        FaultKind.PostgresRestart => TimeSpan.FromSeconds(8),
        FaultKind.BrokerNodeStop => _options.BrokerOutage + TimeSpan.FromSeconds(15),
        _ => TimeSpan.FromSeconds(6),
    };
}
