using System.Globalization;

namespace ApiLed.Bench;

/// <summary>The bench's command line.</summary>
public sealed record BenchOptions
{
    public static readonly string[] AllModes = ["orchestration", "hybrid", "choreography"];

    /// <summary>
    /// <c>compare</c> (the modes and the peer, each on a fresh layer), <c>modes</c> (only the modes), <c>running</c> (a running
    /// layer) or <c>broker</c> (RabbitMQ alone: its CPU a message, see <see cref="BrokerFloorRun"/>).
    /// </summary>
    public string Command { get; init; } = "compare";

    public IReadOnlyList<string> Modes { get; init; } = AllModes;

    public int Orders { get; init; } = 10_000;

    /// <summary>
    /// Orders placed before the measurement and not counted: enough for tiered compilation to settle (with dynamic PGO
    /// the JIT takes about a quarter of the machine's CPU during the first ten thousand orders after start-up).
    /// </summary>
    public int Warmup { get; init; } = 6000;

    public IReadOnlyList<int> Concurrency { get; init; } = [64];

    /// <summary>
    /// Steps per saga: 3 runs the reference flow, 6 the shipped order-fulfillment-checked (each change followed by a
    /// read of the same system), in the same mode. A list runs each.
    /// </summary>
    public IReadOnlyList<int> Steps { get; init; } = [3];

    public bool Peer { get; init; } = true;

    /// <summary>Offer the measured orders at this many per second (open loop) instead of as fast as they are accepted.</summary>
    public double? Rate { get; init; }

    public int PeerPrefetch { get; init; } = 64;

    public bool Build { get; init; } = true;

    /// <summary>Keep each run's folder (broker files, stores, logs) after a run that succeeded; a failed run's is always kept.</summary>
    public bool KeepData { get; init; }

    public string? Report { get; init; }

    public string? Plot { get; init; }

    /// <summary>Extra <c>NAME=VALUE</c> environment for the process API (e.g. <c>RabbitMq__Prefetch=64</c>), to try a setting.</summary>
    public IReadOnlyDictionary<string, string> ProcessEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra <c>NAME=VALUE</c> environment for every service (e.g. <c>Logging__LogLevel__Default=Warning</c>).</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>An Npgsql connection string of a PostgreSQL server for the stores (<c>--store postgres</c>); null keeps SQLite files.</summary>
    public string? PostgresServer { get; init; }

    /// <summary>Instances of the process API in each run's layer (1 or 2).</summary>
    public int ProcessInstances { get; init; } = 1;

    public string Gateway { get; init; } = "http://127.0.0.1:8080";

    public string Inventory { get; init; } = "http://127.0.0.1:5201";

    /// <summary><c>broker</c>: messages measured per row.</summary>
    public int Messages { get; init; } = 20_000;

    /// <summary><c>broker</c>: confirmed publishes in flight at once; a list measures each.</summary>
    public IReadOnlyList<int> InFlight { get; init; } = [1, 8, 64];

    /// <summary><c>broker</c>: message sizes in bytes (a saga event is about 4,500; a command about 1,700); a list measures each.</summary>
    public IReadOnlyList<int> MessageSizes { get; init; } = [1700, 4500];

    /// <summary><c>broker</c>: the consumer's prefetch (ApiLed's <c>RabbitMq:Prefetch</c>).</summary>
    public ushort Prefetch { get; init; } = 64;

    public string ApiKey { get; init; } = Environment.GetEnvironmentVariable("APILED_API_KEY") ?? "ak_demo_bench_368ec653b2b1096eb956360e";

    public const string Usage = """
        ApiLed bench: sagas per second, latency, CPU per order per process and memory, for each flow mode, side by side
        with MassTransit Courier doing the same HTTP work (bench/peers/masstransit-courier-http).

          dotnet run --project bench/ApiLed.Bench -c Release -- compare            # the three modes and the peer
          dotnet run --project bench/ApiLed.Bench -c Release -- modes --modes hybrid --orders 3000
          dotnet run --project bench/ApiLed.Bench -c Release -- running --orders 400 --concurrency 64   # a layer started by ./run.sh
          dotnet run --project bench/ApiLed.Bench -c Release -- broker             # RabbitMQ alone: CPU a message, by publishes in flight

        options
          --modes LIST          orchestration,hybrid,choreography (default: all three)
          --orders N            measured orders per run (default 10000)
          --warmup N            orders before the measurement, not counted (default 6000: the JIT has settled by then)
          --concurrency LIST    requests in flight at the gateway; a list runs each (default 64)
          --steps LIST          3 (the reference flow) and/or 6 (order-fulfillment-checked: each change then a read), default 3
          --rate N              offer the measured orders at N per second (open loop), e.g. 70 % of the maximum, for latency
          --no-peer             leave the Courier peer out of `compare`
          --peer-prefetch N     the peer's prefetch (default 64, its best measured)
          --process-env N=V     an environment variable for the process API (repeatable), to try a setting
          --env N=V             an environment variable for every service (repeatable)
          --report FILE         also write the results as JSON
          --plot FILE           write an SVG of throughput and latency (default: bench-results.svg with `compare`)
          --store sqlite|postgres   where the services keep their stores (default sqlite); postgres creates a database
                                per service on the server of --postgres (default APILED_POSTGRES_URL; run.sh and test.sh
                                start one: source platform/scripts/postgres.sh && apiled_postgres_ensure)
          --postgres URL        the PostgreSQL server (an Npgsql connection string of a role that may create databases)
          --process-instances N process API instances in the layer (1 or 2; they share the store and the queues)
          --no-build            do not build ApiLed.sln (Release) first
          --keep-data           keep each run's folder (broker files, stores, logs); by default only a failed run's is kept
          --gateway URL --inventory URL --key KEY   for `running` (defaults: run.sh's ports, the demo-bench key)
          --messages N --in-flight LIST --sizes LIST --prefetch N   for `broker` (defaults 20000; 1,8,64; 1700,4500; 64)
        Each run starts a layer of its own (its own RabbitMQ node, the six services on free ports, fresh stores) and
        stops it afterwards, deleting its folder unless it failed or --keep-data; CPU is read from /proc for every
        process of it, the broker's Erlang VM and the bench itself.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            options = options with { Command = args[0] };
            i = 1;
        }

        if (options.Command is not ("compare" or "modes" or "running" or "broker"))
        {
            throw new ArgumentException($"Unknown command '{options.Command}'; use compare, modes, running or broker.");
        }

        var environment = new Dictionary<string, string>();
        var store = "sqlite";
        var everywhere = new Dictionary<string, string>();
        for (; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Number() => int.TryParse(Value(), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} needs a positive whole number.");
            int[] Numbers() => [.. Value().Split(',').Select(c => int.TryParse(c, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} needs positive whole numbers."))];
            options = name switch
            {
                "--modes" => options with { Modes = ModesOf(Value()) },
                "--orders" => options with { Orders = Number() },
                "--warmup" => options with { Warmup = int.TryParse(Value(), CultureInfo.InvariantCulture, out var w) && w >= 0 ? w : throw new ArgumentException("--warmup needs a whole number.") },
                "--concurrency" => options with { Concurrency = [.. Value().Split(',').Select(c => int.TryParse(c, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException("--concurrency needs positive whole numbers."))] },
                "--steps" => options with { Steps = [.. Value().Split(',').Select(c => c.Trim() is "3" or "6" ? int.Parse(c, CultureInfo.InvariantCulture) : throw new ArgumentException("--steps takes 3, 6 or 3,6."))] },
                "--rate" => options with { Rate = double.TryParse(Value(), CultureInfo.InvariantCulture, out var r) && r > 0 ? r : throw new ArgumentException("--rate needs a positive number.") },
                "--no-peer" => options with { Peer = false },
                "--peer-prefetch" => options with { PeerPrefetch = Number() },
                "--process-env" => options with { ProcessEnvironment = Add(environment, Value(), name) },
                "--env" => options with { ServiceEnvironment = Add(everywhere, Value(), name) },
                "--report" => options with { Report = Path.GetFullPath(Value()) },
                "--plot" => options with { Plot = Path.GetFullPath(Value()) },
                "--no-build" => options with { Build = false },
                "--keep-data" => options with { KeepData = true },
                "--gateway" => options with { Gateway = Value() },
                "--inventory" => options with { Inventory = Value() },
                "--key" => options with { ApiKey = Value() },
                "--messages" => options with { Messages = Number() },
                "--in-flight" => options with { InFlight = Numbers() },
                "--sizes" => options with { MessageSizes = Numbers() },
                "--prefetch" => options with { Prefetch = Number() is var p && p <= ushort.MaxValue ? (ushort)p : throw new ArgumentException("--prefetch takes 1 to 65535.") },
                "--store" => (store = Value()) is "sqlite" or "postgres" ? options : throw new ArgumentException("--store takes sqlite or postgres."),
                "--postgres" => options with { PostgresServer = Value() },
                "--process-instances" => options with { ProcessInstances = Number() is var n && n <= 2 ? n : throw new ArgumentException("--process-instances takes 1 or 2.") },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        var server = store == "sqlite" ? null : options.PostgresServer ?? Environment.GetEnvironmentVariable("APILED_POSTGRES_URL");
        if (store == "postgres" && string.IsNullOrWhiteSpace(server))
        {
            throw new ArgumentException("--store postgres needs a server: --postgres URL or APILED_POSTGRES_URL (source platform/scripts/postgres.sh && apiled_postgres_ensure starts one).");
        }

        options = options with { PostgresServer = server };

        return options.Command == "compare" && options.Plot is null ? options with { Plot = Path.GetFullPath("bench-results.svg") } : options;
    }

    private static Dictionary<string, string> Add(Dictionary<string, string> environment, string pair, string option)
    {
        var at = pair.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0)
        {
            throw new ArgumentException($"{option} needs NAME=VALUE, not '{pair}'.");
        }

        environment[pair[..at]] = pair[(at + 1)..];
        return environment;
    }

    private static string[] ModesOf(string list)
    {
        var modes = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var mode in modes)
        {
            if (!AllModes.Contains(mode))
            {
                throw new ArgumentException($"Unknown mode '{mode}'; use {string.Join(", ", AllModes)}.");
            }
        }

        return modes;
    }
}
