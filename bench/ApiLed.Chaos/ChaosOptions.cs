using System.Globalization;

using ApiLed.LayerRunner;

namespace ApiLed.Chaos;

/// <summary>The faults the tool can inject, one event each (billing faults through WireMock run the whole load instead).</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL the process API, start it again.</summary>
    ProcessKill,

    /// <summary>SIGKILL the billing system API (and so its choreography participant), start it again.</summary>
    BillingKill,

    /// <summary><c>rabbitmqctl stop_app</c>, wait <see cref="ChaosOptions.BrokerOutage"/>, <c>start_app</c>.</summary>
    BrokerAppStop,

    /// <summary><c>rabbitmqctl stop</c> (the whole node), then start the node again.</summary>
    BrokerRestart,

    /// <summary>SIGKILL a system API together with its participant (<see cref="ChaosOptions.KillSystem"/>), start it again.</summary>
    SystemKill,

    /// <summary>
    /// SIGKILL the second of two process API instances (<c>--process-instances 2</c>) and leave it down while the first
    /// takes its sagas over (<see cref="ChaosOptions.InstanceOutage"/>), then start it again.
    /// </summary>
    ProcessInstanceKill,

    /// <summary>Restart the PostgreSQL server of the stores (<c>--store postgres</c>, a local server: <c>--postgres-data</c>), fast shutdown.</summary>
    PostgresRestart,

    /// <summary>
    /// With <c>--broker-nodes 3</c>: stop the whole first node of the cluster (the one every service is given first),
    /// leave it down <see cref="ChaosOptions.BrokerOutage"/> while the services go on with the other two, then start it.
    /// </summary>
    BrokerNodeStop,
}

/// <summary>What to run: the command line of the chaos tool.</summary>
internal sealed record ChaosOptions
{
    public const string Usage = """
        ApiLed chaos run: starts the layer (or uses a running one), sends a mix of orders through the gateway while it
        injects faults, then checks the invariants against the system APIs' own records.

          dotnet run --project bench/ApiLed.Chaos -- --mode choreography --orders 3000

        options
          --mode orchestration|hybrid|choreography   flow the process API runs (default hybrid)
          --orders N              orders to place (default 3000)
          --concurrency N         requests in flight at most (default 32)
          --seed N                seed of the order mix and the WireMock fault positions (default: random, printed)
          --faults LIST           all (default), once (each fault once), none, or a comma list of
                                  process-kill, billing-kill, broker-app-stop, broker-restart, system-kill, billing-faults,
                                  process-instance-kill (with --process-instances 2: SIGKILL the second instance, 20 s
                                  down while the first takes its sagas over, then start it), postgres-restart (with
                                  --store postgres: pg_ctl restart of the local server in --postgres-data),
                                  broker-node-stop (with --broker-nodes 3)
          --store sqlite|postgres the services' stores (default sqlite); postgres: a database per service on the server
                                  of --postgres (default APILED_POSTGRES_URL), dropped at the end
          --postgres URL          the PostgreSQL server (an Npgsql connection string of a role that may create databases)
          --postgres-data DIR     the local server's data folder for postgres-restart (default APILED_POSTGRES_DATA or
                                  /tmp/apiled-postgres, where platform/scripts/postgres.sh keeps it)
          --process-instances N   process API instances (1 or 2), sharing the store and the queues
          --broker-nodes N        the run's own RabbitMQ: 1 node (default) or a cluster of 3 (quorum queues on all three;
                                  the services are given every node); broker-node-stop (with 3) stops the first node
                                  whole for --broker-outage, then starts it again
          --duration SECONDS      spread the orders over this long (default: as long as the faults take)
          --broker-outage SECONDS how long broker-app-stop keeps the broker app down (default 20)
          --kill-system NAME      the system API system-kill kills: inventory (default) or shipping
          --approvals             orders of 1,500.00 (one in ten) wait for an operator's approval: the shipped default
                                  flow's step, run in --mode; the tool, as an operator through the gateway, approves
                                  half, rejects three in ten and leaves two in ten to the deadline
          --approval-deadline SECONDS  the approval step's deadline in this run (default 30; the shipped one is 24 h)
          --settle-timeout SECONDS  longest wait for the orders to settle, before and after the operator's retries (default 120)
          --report FILE           also write the report as JSON
          --data-dir DIR          where the layer's stores, logs and broker node live (default: a new temp folder)
          --keep-data             keep that folder (it is kept anyway when a violation was found)
          --no-build              do not build ApiLed.sln (Release) before starting the layer
          --ports FIRST-LAST      take the layer's, broker's and WireMock's ports in turn from this range (at least 32
                                  ports) instead of the system's ephemeral ones: two runs at once on one machine given
                                  ranges that do not overlap never share a port
          --wiremock-jar FILE     the WireMock standalone jar (default: APILED_WIREMOCK_JAR, then tests/tools/node_modules)
          --use-running           use a running layer instead (no faults can be injected into it):
            --gateway URL --api-key KEY --operator-key KEY --inventory URL --billing URL --shipping URL
                                  (defaults: run.sh's ports and the demo-bench and demo-ops keys)
        Exit code: 0 when every invariant held, 1 on any violation, 2 on a bad command line or a layer that did not start.
        """;

    public string Mode { get; init; } = "hybrid";
    public int Orders { get; init; } = 3000;
    public int Concurrency { get; init; } = 32;
    public int Seed { get; init; } = Random.Shared.Next(1, 1_000_000);
    public IReadOnlyList<FaultKind> Faults { get; init; } = AllFaults;
    public bool BillingFaults { get; init; } = true;
    public string FaultsText { get; init; } = "all";
    public TimeSpan? Duration { get; init; }
    public TimeSpan BrokerOutage { get; init; } = TimeSpan.FromSeconds(20);
    public string KillSystem { get; init; } = "inventory";
    public bool Approvals { get; init; }
    public TimeSpan ApprovalDeadline { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public string? ReportPath { get; init; }
    public string? DataDirectory { get; init; }
    public bool KeepData { get; init; }
    public bool Build { get; init; } = true;
    public string? WireMockJar { get; init; }
    public bool UseRunning { get; init; }

    /// <summary>Where the run's ports come from (<c>--ports</c>); null lets the system pick ephemeral ones.</summary>
    public PortRange? Ports { get; init; }

    /// <summary>The stores' PostgreSQL server (<c>--store postgres</c>); null keeps SQLite files.</summary>
    public string? PostgresServer { get; init; }

    /// <summary>The local PostgreSQL server's data folder, for the <c>postgres-restart</c> fault (pg_ctl restart).</summary>
    public string PostgresData { get; init; } = Environment.GetEnvironmentVariable("APILED_POSTGRES_DATA") ?? "/tmp/apiled-postgres";

    /// <summary>Process API instances (1 or 2).</summary>
    public int ProcessInstances { get; init; } = 1;

    /// <summary>Nodes of the run's own RabbitMQ (1, or 3 clustered).</summary>
    public int BrokerNodes { get; init; } = 1;

    /// <summary>How long a killed process API instance stays down (<c>process-instance-kill</c>).</summary>
    public TimeSpan InstanceOutage { get; init; } = TimeSpan.FromSeconds(20);
    public LayerEndpoints Running { get; init; } = LayerEndpoints.RunSh;

    /// <summary>Three process API kills, the billing kill, a broker app stop, a system API kill and a node restart.</summary>
    public static readonly IReadOnlyList<FaultKind> AllFaults =
    [
        FaultKind.ProcessKill, FaultKind.BillingKill, FaultKind.ProcessKill, FaultKind.BrokerAppStop,
        FaultKind.SystemKill, FaultKind.ProcessKill, FaultKind.BrokerRestart,
    ];

    /// <summary>Each fault once (the short run of the tests).</summary>
    public static readonly IReadOnlyList<FaultKind> EachFaultOnce =
        [FaultKind.ProcessKill, FaultKind.BillingKill, FaultKind.BrokerAppStop, FaultKind.SystemKill, FaultKind.BrokerRestart];

    /// <summary>The layer the tool starts for this run.</summary>
    public LayerSettings Layer => new()
    {
        OrderFlow = OrderFlow, BillingProxy = BillingFaults, WireMockJar = WireMockJar, Build = Build,
        PostgresServer = PostgresServer, ProcessInstances = ProcessInstances, BrokerNodes = BrokerNodes,
        Environment = Approvals
            ? new Dictionary<LayerService, IReadOnlyDictionary<string, string>>
            {
                // The shipped default flow (reserve → approve-large-order → charge → ship) in the run's mode, with a short deadline.
                [LayerService.ProcessApi] = new Dictionary<string, string>
                {
                    [$"Flows__Definitions__{ApprovalFlow}__Mode"] = Mode,
                    [$"Flows__Definitions__{ApprovalFlow}__Steps__1__Approval__Deadline"] = ApprovalDeadline.ToString("c", CultureInfo.InvariantCulture),
                    ["Saga__RecoveryInterval"] = "00:00:02",
                },
            }
            : new Dictionary<LayerService, IReadOnlyDictionary<string, string>>(),
    };

    /// <summary>The shipped default flow, whose second step asks an operator to approve orders above 1,000.00.</summary>
    public const string ApprovalFlow = "order-fulfillment";

    /// <summary>The value of <c>Flows__OrderFlow</c> that runs the reference flow (with <see cref="Approvals"/>, the default flow) in <see cref="Mode"/>.</summary>
    public string OrderFlow => Approvals ? ApprovalFlow : Mode switch
    {
        "orchestration" => "order-fulfillment-orchestrated",
        "choreography" => "order-fulfillment-choreographed",
        _ => "order-fulfillment",
    };

    /// <summary>Reads the command line; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static ChaosOptions Parse(string[] args)
    {
        var options = new ChaosOptions();
        var running = LayerEndpoints.RunSh;
        var faultsGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Number(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n
                : throw new ArgumentException($"{name} needs a whole number of at least {min}.");
            options = name switch
            {
                "--mode" => options with { Mode = OneOf(Value(), "--mode", "orchestration", "hybrid", "choreography") },
                "--orders" => options with { Orders = Number(1) },
                "--concurrency" => options with { Concurrency = Number(1) },
                "--seed" => options with { Seed = Number(0) },
                "--faults" => ParseFaults(options, Value(), ref faultsGiven),
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(1)) },
                "--broker-outage" => options with { BrokerOutage = TimeSpan.FromSeconds(Number(1)) },
                "--approvals" => options with { Approvals = true },
                "--approval-deadline" => options with { ApprovalDeadline = TimeSpan.FromSeconds(Number(1)) },
                "--kill-system" => options with { KillSystem = OneOf(Value(), "--kill-system", "inventory", "shipping") },
                "--settle-timeout" => options with { SettleTimeout = TimeSpan.FromSeconds(Number(10)) },
                "--report" => options with { ReportPath = Path.GetFullPath(Value()) },
                "--data-dir" => options with { DataDirectory = Path.GetFullPath(Value()) },
                "--keep-data" => options with { KeepData = true },
                "--no-build" => options with { Build = false },
                "--ports" => options with { Ports = PortRange.Parse(name, Value()) },
                "--wiremock-jar" => options with { WireMockJar = Path.GetFullPath(Value()) },
                "--use-running" => options with { UseRunning = true },
                "--store" => OneOf(Value(), "--store", "sqlite", "postgres") == "postgres"
                    ? options with { PostgresServer = options.PostgresServer ?? Environment.GetEnvironmentVariable("APILED_POSTGRES_URL") ?? "" }
                    : options with { PostgresServer = null },
                "--postgres" => options with { PostgresServer = Value() },
                "--postgres-data" => options with { PostgresData = Path.GetFullPath(Value()) },
                "--process-instances" => options with { ProcessInstances = Number(1) is var n && n <= 2 ? n : throw new ArgumentException("--process-instances takes 1 or 2.") },
                "--broker-nodes" => options with { BrokerNodes = Number(1) is var nodes && nodes is 1 or 3 ? nodes : throw new ArgumentException("--broker-nodes takes 1 or 3.") },
                "--gateway" => With(ref running, running with { GatewayUrl = Url(name, Value()) }, options),
                "--api-key" => With(ref running, running with { PartnerKey = Value() }, options),
                "--operator-key" => With(ref running, running with { OperatorKey = Value() }, options),
                "--inventory" => With(ref running, running with { InventoryUrl = Url(name, Value()) }, options),
                "--billing" => With(ref running, running with { BillingUrl = Url(name, Value()) }, options),
                "--shipping" => With(ref running, running with { ShippingUrl = Url(name, Value()) }, options),
                "--help" or "-h" => throw new ArgumentException(""),
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        if (options.PostgresServer is "")
        {
            throw new ArgumentException("--store postgres needs a server: --postgres URL or APILED_POSTGRES_URL (source platform/scripts/postgres.sh && apiled_postgres_ensure starts one).");
        }

        if (options.Faults.Contains(FaultKind.ProcessInstanceKill) && options.ProcessInstances < 2)
        {
            throw new ArgumentException("process-instance-kill needs --process-instances 2.");
        }

        if (options.Faults.Contains(FaultKind.BrokerNodeStop) && options.BrokerNodes < 3)
        {
            throw new ArgumentException("broker-node-stop needs --broker-nodes 3.");
        }

        if (options.Faults.Contains(FaultKind.PostgresRestart) && options.PostgresServer is null)
        {
            throw new ArgumentException("postgres-restart needs --store postgres.");
        }

        if (options.UseRunning)
        {
            if (faultsGiven && (options.Faults.Count > 0 || options.BillingFaults))
            {
                throw new ArgumentException("--use-running cannot inject faults (the tool kills and restarts only what it started): leave --faults out.");
            }

            options = options with { Faults = [], BillingFaults = false, FaultsText = "none (running layer)", Running = running };
        }

        return options;
    }

    private static ChaosOptions ParseFaults(ChaosOptions options, string text, ref bool given)
    {
        given = true;
        switch (text)
        {
            case "all":
                return options with { Faults = AllFaults, BillingFaults = true, FaultsText = text };
            case "once":
                return options with { Faults = EachFaultOnce, BillingFaults = true, FaultsText = text };
            case "none":
                return options with { Faults = [], BillingFaults = false, FaultsText = text };
        }

        var faults = new List<FaultKind>();
        var billing = false;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "billing-faults": billing = true; break;
                case "process-kill": faults.Add(FaultKind.ProcessKill); break;
                case "billing-kill": faults.Add(FaultKind.BillingKill); break;
                case "broker-app-stop": faults.Add(FaultKind.BrokerAppStop); break;
                case "broker-restart": faults.Add(FaultKind.BrokerRestart); break;
                case "system-kill": faults.Add(FaultKind.SystemKill); break;
                case "process-instance-kill": faults.Add(FaultKind.ProcessInstanceKill); break;
                case "postgres-restart": faults.Add(FaultKind.PostgresRestart); break;
                case "broker-node-stop": faults.Add(FaultKind.BrokerNodeStop); break;
                default: throw new ArgumentException($"Unknown fault '{part}' in --faults.");
            }
        }

        return options with { Faults = faults, BillingFaults = billing, FaultsText = text };
    }

    private static ChaosOptions With(ref LayerEndpoints running, LayerEndpoints changed, ChaosOptions options)
    {
        running = changed;
        return options;
    }

    private static string OneOf(string value, string name, params string[] allowed) =>
        allowed.Contains(value) ? value : throw new ArgumentException($"{name} is one of: {string.Join(", ", allowed)}.");

    private static string Url(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value.TrimEnd('/')
            : throw new ArgumentException($"{name} needs an http(s) URL.");
}
