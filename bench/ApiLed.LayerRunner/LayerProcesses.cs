namespace ApiLed.LayerRunner;

/// <summary>
/// A bench tool's own layer: its RabbitMQ node, WireMock in front of billing (when billing faults are on) and the six
/// services from the Release build, on free ports of 127.0.0.1, with the environment run.sh gives them and a fresh
/// data folder. It kills and restarts only these processes, by their PIDs, and stops them all at the end.
/// </summary>
public sealed class LayerProcesses : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly Dictionary<LayerService, OwnedProcess> _services = [];
    private readonly Dictionary<LayerService, int> _ports;
    private readonly string _folder;
    private readonly List<OwnedProcess> _moreProcessApis = [];
    private readonly List<RabbitMqNode> _brokerNodes = [];
    private readonly string _databasePrefix = "apiled_run_" + Guid.NewGuid().ToString("N")[..10];
    private string? _postgresServer;

    private LayerProcesses(string folder)
    {
        _folder = folder;
        _ports = Enum.GetValues<LayerService>().ToDictionary(s => s, _ => FreePorts.Next());
        Directory.CreateDirectory(LogDirectory);
    }

    /// <summary>The tool's own broker node, the first of its cluster when it has several (null until it started).</summary>
    public RabbitMqNode? Broker => _brokerNodes.FirstOrDefault();

    /// <summary>Every node of the tool's own broker (one, or the three of its cluster).</summary>
    public IReadOnlyList<RabbitMqNode> BrokerNodes => _brokerNodes;

    /// <summary>WireMock in front of billing (null when billing faults are off).</summary>
    public WireMockProxy? BillingProxy { get; private set; }

    public string LogDirectory => Path.Combine(_folder, "logs");

    /// <summary>The gateway with the demo-bench and demo-ops keys; the system APIs directly (never through WireMock).</summary>
    public LayerEndpoints Endpoints => new(Url(LayerService.Gateway), LayerEndpoints.DemoBenchKey, LayerEndpoints.DemoOpsKey,
        Url(LayerService.Inventory), Url(LayerService.Billing), Url(LayerService.Shipping));

    /// <summary>Builds (unless told not to), then starts everything; on a failure stops what did start and throws.</summary>
    public static async Task<LayerProcesses> StartAsync(LayerSettings options, string repositoryRoot, string folder, Action<string> say, CancellationToken ct)
    {
        if (options.Build)
        {
            say("building ApiLed.sln (Release)...");
            var (code, output) = await ExternalCommand.RunAsync("dotnet", ["build", "ApiLed.sln", "-c", "Release", "-nologo", "-v", "quiet"],
                null, TimeSpan.FromMinutes(10), ct, repositoryRoot);
            if (code != 0)
            {
                throw new InvalidOperationException($"dotnet build ApiLed.sln -c Release failed:{Environment.NewLine}{output}");
            }
        }

        var layer = new LayerProcesses(folder);
        try
        {
            await layer.StartAllAsync(options, repositoryRoot, say, ct);
            return layer;
        }
        catch
        {
            await layer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The repository root: the nearest folder holding ApiLed.sln above the tool, else above the working directory.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ApiLed.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("No folder holding ApiLed.sln was found above the tool or the working directory: run it from the repository.");
    }

    /// <summary>SIGKILL one service (a system API takes its choreography participant with it), start it again, wait until it is ready.</summary>
    public async Task KillAndRestartAsync(LayerService service, CancellationToken ct)
    {
        var process = _services[service];
        await process.KillAsync();
        process.Start();
        await process.WaitReadyAsync(ReadyTimeout, ct);
    }

    /// <summary>The SQLite file of a service's store (the gateway has none; unused when the stores are on PostgreSQL).</summary>
    public string StorePath(LayerService service)
    {
        var name = service switch
        {
            LayerService.ProcessApi => "process",
            LayerService.ExperienceApi => "experience",
            LayerService.Gateway => throw new ArgumentException("The gateway has no store.", nameof(service)),
            _ => service.ToString().ToLowerInvariant(),
        };
        return Path.Combine(_folder, "data", name, name + ".db");
    }

    /// <summary>The base URL of a service.</summary>
    public string BaseUrl(LayerService service) => Url(service);

    /// <summary>The log name of a service (its log file is <c>{LogDirectory}/{name}.log</c>).</summary>
    public static string NameOf(LayerService service) => LogName(service);

    /// <summary>The process API instances after the first (<see cref="LayerSettings.ProcessInstances"/>).</summary>
    public IReadOnlyList<OwnedProcess> MoreProcessApis => _moreProcessApis;

    /// <summary>The PID of a service's current run.</summary>
    public int? ProcessId(LayerService service) => _services.GetValueOrDefault(service)?.ProcessId;

    public async ValueTask DisposeAsync()
    {
        LayerService[][] stages =
        [
            [LayerService.Gateway],
            [LayerService.ExperienceApi, LayerService.ProcessApi],
            [LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.Risk],
        ];
        await Task.WhenAll(_moreProcessApis.Select(p => p.DisposeAsync().AsTask()));
        foreach (var stage in stages)
        {
            await Task.WhenAll(stage.Where(_services.ContainsKey).Select(s => _services[s].DisposeAsync().AsTask()));
        }

        if (_postgresServer is not null)
        {
            await PostgresDatabases.DropAsync(_postgresServer, _databasePrefix);
        }

        if (BillingProxy is not null)
        {
            await BillingProxy.DisposeAsync();
        }

        foreach (var node in Enumerable.Reverse(_brokerNodes))
        {
            await node.DisposeAsync();
        }
    }

    private async Task StartAllAsync(LayerSettings options, string root, Action<string> say, CancellationToken ct)
    {
        var jar = options.BillingProxy ? WireMockProxy.FindJar(options.WireMockJar, root) : null;
        say($"starting {(options.BrokerNodes == 1 ? "a RabbitMQ node" : $"a RabbitMQ cluster of {options.BrokerNodes} nodes")} of its own" +
            $"{(jar is null ? "" : " and WireMock in front of billing")}...");
        var nodes = Enumerable.Range(1, options.BrokerNodes)
            .Select(i => RabbitMqNode.StartAsync(Path.Combine(_folder, options.BrokerNodes == 1 ? "rabbitmq" : $"rabbitmq-{i}"), ct))
            .ToList();
        var proxy = StartProxyAsync(jar, ct);
        try
        {
            await Task.WhenAll(nodes.Cast<Task>().Append(proxy));
        }
        finally
        {
            _brokerNodes.AddRange(nodes.Where(n => n.IsCompletedSuccessfully).Select(n => n.Result));
            BillingProxy = proxy.IsCompletedSuccessfully ? proxy.Result : null;
        }

        foreach (var node in _brokerNodes.Skip(1))
        {
            await node.JoinClusterAsync(_brokerNodes[0], ct);
        }

        if (BillingProxy is not null)
        {
            await BillingProxy.ProxyAllToAsync(Url(LayerService.Billing), ct);
        }

        say($"  broker {string.Join(", ", _brokerNodes.Select(n => $"{n.NodeName} on {n.AmqpUrl}"))}" +
            $"{(BillingProxy is null ? "" : $"; WireMock on {BillingProxy.BaseUrl}")}");
        if (options.PostgresServer is not null)
        {
            _postgresServer = options.PostgresServer;
            await PostgresDatabases.CreateAsync(options.PostgresServer, _databasePrefix, StoreNames.Values, ct);
            say($"  stores: PostgreSQL databases {_databasePrefix}_* on {PostgresDatabases.Describe(options.PostgresServer)}");
        }

        say("starting the services...");
        await StartStageAsync(root, options, ct, LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.Risk);
        await StartStageAsync(root, options, ct, LayerService.ProcessApi, LayerService.ExperienceApi);
        for (var i = 2; i <= options.ProcessInstances; i++)
        {
            var port = FreePorts.Next();
            var (folder, name) = Project(LayerService.ProcessApi);
            var dll = Path.Combine(root, folder, "bin", "Release", "net10.0", name + ".dll");
            var env = EnvironmentOf(LayerService.ProcessApi, options);
            env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            var more = new OwnedProcess($"process-api-{i}", "dotnet", [dll], Path.GetDirectoryName(dll)!, env,
                $"http://127.0.0.1:{port}/health/ready", LogDirectory);
            _moreProcessApis.Add(more);
            more.Start();
            await more.WaitReadyAsync(ReadyTimeout, ct);
            say($"  process API instance {i} on http://127.0.0.1:{port}");
        }

        await StartStageAsync(root, options, ct, LayerService.Gateway);
        say($"  gateway {Url(LayerService.Gateway)}, experience API {Url(LayerService.ExperienceApi)}, process API {Url(LayerService.ProcessApi)}, " +
            $"inventory {Url(LayerService.Inventory)}, billing {Url(LayerService.Billing)}, shipping {Url(LayerService.Shipping)}, risk {Url(LayerService.Risk)}");
        say($"  flow {options.OrderFlow}; stores and logs in {_folder}");
    }

    private async Task<WireMockProxy?> StartProxyAsync(string? jar, CancellationToken ct) =>
        jar is null ? null : await WireMockProxy.StartAsync(jar, LogDirectory, ct);

    private async Task StartStageAsync(string root, LayerSettings options, CancellationToken ct, params LayerService[] stage)
    {
        foreach (var service in stage)
        {
            var (folder, name) = Project(service);
            var dll = Path.Combine(root, folder, "bin", "Release", "net10.0", name + ".dll");
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException($"{dll} was not found: build first (dotnet build ApiLed.sln -c Release), or leave --no-build out.");
            }

            var process = new OwnedProcess(LogName(service), "dotnet", [dll], Path.GetDirectoryName(dll)!, EnvironmentOf(service, options),
                Url(service) + "/health/ready", LogDirectory);
            _services[service] = process;
            process.Start();
        }

        await Task.WhenAll(stage.Select(s => _services[s].WaitReadyAsync(ReadyTimeout, ct)));
    }

    /// <summary>The broker settings of a service: the first node's URL, and the other nodes of a cluster.</summary>
    private void SetBroker(Dictionary<string, string> env)
    {
        env["RabbitMq__Url"] = Broker!.AmqpUrl;
        for (var i = 1; i < _brokerNodes.Count; i++)
        {
            env[$"RabbitMq__Endpoints__{i - 1}"] = _brokerNodes[i].Endpoint;
        }
    }

    private Dictionary<string, string> EnvironmentOf(LayerService service, LayerSettings options)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Url(service),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
        };
        var billingForCallers = BillingProxy?.BaseUrl ?? Url(LayerService.Billing);
        switch (service)
        {
            case LayerService.Inventory:
                SetStore(env, LayerService.Inventory);
                SetBroker(env);
                break;
            case LayerService.Billing:
                SetStore(env, LayerService.Billing);
                SetBroker(env);
                // With WireMock in front of billing (the chaos tool), the billing participant calls billing through it too, so
                // choreography meets the same faults; without, it calls its system API in process, as run.sh starts it.
                if (BillingProxy is not null)
                {
                    env["Choreography__SystemApiUrl"] = BillingProxy.BaseUrl;
                }
                break;
            case LayerService.Shipping:
                SetStore(env, LayerService.Shipping);
                SetBroker(env);
                break;
            case LayerService.Risk:
                SetStore(env, LayerService.Risk);
                SetBroker(env);
                break;
            case LayerService.ProcessApi:
                SetStore(env, LayerService.ProcessApi);
                SetBroker(env);
                env["Flows__OrderFlow"] = options.OrderFlow;
                env["Flows__Systems__inventory__BaseUrl"] = Url(LayerService.Inventory);
                env["Flows__Systems__billing__BaseUrl"] = billingForCallers;
                env["Flows__Systems__shipping__BaseUrl"] = Url(LayerService.Shipping);
                env["Flows__Systems__risk__BaseUrl"] = Url(LayerService.Risk);
                break;
            case LayerService.ExperienceApi:
                SetStore(env, LayerService.ExperienceApi);
                SetBroker(env);
                env["Catalog__InventoryUrl"] = Url(LayerService.Inventory);
                env["ProcessApi__BaseUrl"] = Url(LayerService.ProcessApi);
                break;
            case LayerService.Gateway:
                env["Gateway__ExperienceApiUrl"] = Url(LayerService.ExperienceApi);
                env["Gateway__ProcessApiUrl"] = Url(LayerService.ProcessApi);
                // The operator may retry thousands of parked sagas at the end of a run: no practical rate limit in the tool's own layer.
                env["Partners__Directory__demo-ops__RateLimit__PermitLimit"] = "1000000";
                env["Partners__Directory__demo-ops__RateLimit__Window"] = "00:00:10";
                break;
        }

        foreach (var (name, value) in options.Environment.GetValueOrDefault(service) ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        return env;
    }

    private string Url(LayerService service) => $"http://127.0.0.1:{_ports[service]}";

    private static readonly IReadOnlyDictionary<LayerService, string> StoreNames = new Dictionary<LayerService, string>
    {
        [LayerService.Inventory] = "inventory",
        [LayerService.Billing] = "billing",
        [LayerService.Shipping] = "shipping",
        [LayerService.Risk] = "risk",
        [LayerService.ProcessApi] = "process",
        [LayerService.ExperienceApi] = "experience",
    };

    /// <summary>The connection string of a service's PostgreSQL database; null when the stores are SQLite files.</summary>
    public string? StoreConnectionString(LayerService service) =>
        _postgresServer is null ? null : PostgresDatabases.ConnectionString(_postgresServer, $"{_databasePrefix}_{StoreNames[service]}");

    /// <summary>A service's store: its SQLite file, or its database on the PostgreSQL server.</summary>
    private void SetStore(Dictionary<string, string> env, LayerService service)
    {
        if (_postgresServer is null)
        {
            env["Store__Path"] = StorePath(service);
        }
        else
        {
            env["Store__Engine"] = "Postgres";
            env["Store__ConnectionString"] = StoreConnectionString(service)!;
        }
    }

    private static (string Folder, string Name) Project(LayerService service) => service switch
    {
        LayerService.Inventory => ("system-apis/inventory/ApiLed.Inventory.Api", "ApiLed.Inventory.Api"),
        LayerService.Billing => ("system-apis/billing/ApiLed.Billing.Api", "ApiLed.Billing.Api"),
        LayerService.Shipping => ("system-apis/shipping/ApiLed.Shipping.Api", "ApiLed.Shipping.Api"),
        LayerService.Risk => ("system-apis/risk/ApiLed.Risk.Api", "ApiLed.Risk.Api"),
        LayerService.ProcessApi => ("process-api/ApiLed.ProcessApi", "ApiLed.ProcessApi"),
        LayerService.ExperienceApi => ("experience-api/ApiLed.ExperienceApi", "ApiLed.ExperienceApi"),
        _ => ("gateway/ApiLed.Gateway", "ApiLed.Gateway"),
    };

    private static string LogName(LayerService service) => service switch
    {
        LayerService.ProcessApi => "process-api",
        LayerService.ExperienceApi => "experience-api",
        LayerService.Gateway => "gateway",
        _ => service.ToString().ToLowerInvariant() + "-api",
    };
}
