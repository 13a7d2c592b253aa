using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ApiLed.LayerRunner;

/// <summary>
/// A RabbitMQ node of the tool's own (<c>chaos-&lt;port&gt;@localhost</c>, its own AMQP and distribution ports, its
/// database and logs in the run's folder, loopback only), so that stopping its app or the whole node touches nobody
/// else's broker. Stopped at the end through <c>rabbitmqctl -n</c>, or by the PID in its own pid file.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(90);
    private readonly string _server;
    private readonly string _ctl;
    private readonly string _pidFile;
    private readonly Dictionary<string, string> _environment;
    private bool _running;

    private RabbitMqNode(string folder, int amqpPort, int distPort, string server, string ctl)
    {
        AmqpPort = amqpPort;
        NodeName = $"chaos-{amqpPort}@localhost";
        Folder = folder;
        _server = server;
        _ctl = ctl;
        _pidFile = Path.Combine(folder, "node.pid");
        var config = Path.Combine(folder, "rabbitmq.conf");
        var plugins = Path.Combine(folder, "enabled_plugins");
        File.WriteAllText(config, "# the chaos tool's own node: defaults only\n");
        File.WriteAllText(plugins, "[].\n");
        _environment = new()
        {
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
            ["RABBITMQ_PID_FILE"] = _pidFile,
            ["RABBITMQ_CONFIG_FILE"] = config,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
    }

    public string NodeName { get; }

    public int AmqpPort { get; }

    public string Folder { get; }

    /// <summary>The node's operating-system process (the Erlang VM), read from its pid file; null when unknown.</summary>
    public int? ProcessId => File.Exists(_pidFile) && int.TryParse(File.ReadAllText(_pidFile).Trim(), out var pid) && pid > 1 ? pid : null;

    /// <summary>The URL the services get (guest may connect from loopback).</summary>
    public string AmqpUrl => $"amqp://guest:guest@127.0.0.1:{AmqpPort}/";

    /// <summary>The node as another node of a cluster is given to the services (<c>RabbitMq:Endpoints</c>): host:port.</summary>
    public string Endpoint => $"127.0.0.1:{AmqpPort}";

    /// <summary>Starts a new node in <paramref name="folder"/> and waits until it runs.</summary>
    public static async Task<RabbitMqNode> StartAsync(string folder, CancellationToken ct)
    {
        var server = ExternalCommand.Find("rabbitmq-server");
        var ctl = ExternalCommand.Find("rabbitmqctl");
        if (server is null || ctl is null)
        {
            throw new InvalidOperationException("RabbitMQ is needed: install it (Debian: apt-get install rabbitmq-server; test.sh does).");
        }

        Directory.CreateDirectory(folder);
        var node = new RabbitMqNode(folder, FreePorts.Next(), FreePorts.Next(), server, ctl);
        try
        {
            await node.GiveFolderToBrokerUserAsync(ct);
            await node.StartNodeAsync(ct);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>rabbitmqctl stop_app</c>: every connection drops, the node stays up.</summary>
    public Task StopAppAsync(CancellationToken ct) => CtlAsync(["stop_app"], ct);

    /// <summary><c>rabbitmqctl start_app</c>, then waits until it runs.</summary>
    public async Task StartAppAsync(CancellationToken ct)
    {
        await CtlAsync(["start_app"], ct);
        await CtlAsync(["await_startup"], ct);
    }

    /// <summary>Stops the whole node (the Erlang VM) and starts it again.</summary>
    public async Task RestartNodeAsync(CancellationToken ct)
    {
        await StopNodeAsync(ct);
        await StartNodeAsync(ct);
    }

    /// <summary>
    /// Makes this (new, empty) node a member of <paramref name="first"/>'s cluster: <c>stop_app</c>,
    /// <c>join_cluster</c>, <c>start_app</c>. Both run as the same user, so they share its Erlang cookie.
    /// </summary>
    public async Task JoinClusterAsync(RabbitMqNode first, CancellationToken ct)
    {
        await CtlAsync(["stop_app"], ct);
        await CtlAsync(["join_cluster", first.NodeName], ct);
        await StartAppAsync(ct);
    }

    /// <summary>Stops the whole node (the Erlang VM): its connections drop, and a cluster goes on without it.</summary>
    public async Task StopNodeAsync(CancellationToken ct)
    {
        // With the pid file, rabbitmqctl stop waits until the VM process is gone.
        await CtlAsync(["stop", _pidFile], ct);
        _running = false;
    }

    /// <summary>Starts the node again (a cluster member rejoins its cluster) and waits until it runs.</summary>
    public async Task StartNodeAsync(CancellationToken ct)
    {
        await ExternalCommand.RunCheckedAsync(_server, ["-detached"], _environment, CtlTimeout, ct);
        _running = true;
        // await_startup fails at once while the node is not yet reachable: ask again until it answers.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (code, output) = await ExternalCommand.RunAsync(_ctl, ["-n", NodeName, "await_startup", "--timeout", "30"], _environment, CtlTimeout, ct);
            if (code == 0)
            {
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"RabbitMQ node {NodeName} did not start within 120 s (logs in {Folder}/log): {output}");
            }

            await Task.Delay(1000, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await StopNodeAsync(cts.Token);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                KillByPidFile();
            }
        }
    }

    private Task CtlAsync(IReadOnlyList<string> arguments, CancellationToken ct) =>
        ExternalCommand.RunCheckedAsync(_ctl, ["-n", NodeName, .. arguments], _environment, CtlTimeout, ct);

    private void KillByPidFile()
    {
        if (File.Exists(_pidFile) && int.TryParse(File.ReadAllText(_pidFile).Trim(), out var pid) && pid > 1)
        {
            _ = SysKill(pid, 9);
        }
    }

    /// <summary>Debian's rabbitmq-server and rabbitmqctl, run as root, switch to the user rabbitmq: give it the folder.</summary>
    private async Task GiveFolderToBrokerUserAsync(CancellationToken ct)
    {
        if (Environment.UserName != "root")
        {
            return;
        }

        var (known, _) = await ExternalCommand.RunAsync("id", ["-u", "rabbitmq"], null, TimeSpan.FromSeconds(10), ct);
        if (known == 0)
        {
            await ExternalCommand.RunCheckedAsync("chown", ["-R", "rabbitmq:rabbitmq", Folder], null, TimeSpan.FromSeconds(30), ct);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
