using System.Diagnostics;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>A message read back from a queue by <see cref="RabbitMqTestBroker.GetMessagesAsync"/>.</summary>
/// <param name="Body">The body as UTF-8 text.</param>
/// <param name="Headers">Message headers; AMQP long strings (byte arrays) are decoded to <see cref="string"/>.</param>
public sealed record ReceivedMessage(
    string Body,
    IReadOnlyDictionary<string, object?> Headers,
    string? MessageId,
    string? Type,
    string? CorrelationId,
    string? ContentType,
    bool Persistent,
    string Exchange,
    string RoutingKey,
    bool Redelivered)
{
    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    /// <summary>A header as text, or null when it is absent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value?.ToString() : null;
}

/// <summary>
/// A fresh RabbitMQ virtual host for one fixture on the test broker (<c>APILED_RABBITMQ_URL</c>, default
/// <c>amqp://guest:guest@127.0.0.1:5672/</c>), made with <c>rabbitmqctl</c> (the broker is the local node in test runs)
/// and deleted on dispose; plus helpers to read, count and publish messages in it, and to stop and start the broker
/// application for outage tests. Create it with <see cref="CreateAsync"/>.
/// </summary>
public sealed class RabbitMqTestBroker : IAsyncDisposable
{
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(90);
    private bool _appStopped;
    private bool _disposed;

    private RabbitMqTestBroker(string virtualHost)
    {
        VirtualHost = virtualHost;
        AmqpUrl = UrlForVirtualHost(BaseUrl, virtualHost);
    }

    /// <summary>The broker's URL from <c>APILED_RABBITMQ_URL</c> (default <c>amqp://guest:guest@127.0.0.1:5672/</c>).</summary>
    public static string BaseUrl =>
        System.Environment.GetEnvironmentVariable("APILED_RABBITMQ_URL") is { Length: > 0 } url ? url : "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// The nodes of the broker when it is a cluster (<c>APILED_RABBITMQ_NODES</c>, comma separated, set by test.sh's
    /// cluster pass): <c>rabbitmqctl</c> then talks to the first; empty for the single local node.
    /// </summary>
    public static IReadOnlyList<string> Nodes { get; } =
        (System.Environment.GetEnvironmentVariable("APILED_RABBITMQ_NODES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The other nodes' <c>host:port</c> on a cluster (<c>APILED_RABBITMQ_ENDPOINTS</c>), for the services' <c>RabbitMq__Endpoints</c>.</summary>
    public static IReadOnlyList<string> OtherEndpoints { get; } =
        (System.Environment.GetEnvironmentVariable("APILED_RABBITMQ_ENDPOINTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Stops the RabbitMQ application of one node of the cluster (<c>rabbitmqctl -n NODE stop_app</c>): its connections drop, the others go on.</summary>
    public static Task StopNodeAsync(string node, CancellationToken cancellationToken = default) =>
        RabbitMqCtlAsync(["-n", node, "stop_app"], cancellationToken);

    /// <summary>Starts a node's application again and waits for it.</summary>
    public static async Task StartNodeAsync(string node, CancellationToken cancellationToken = default)
    {
        await RabbitMqCtlAsync(["-n", node, "start_app"], cancellationToken);
        await RabbitMqCtlAsync(["-n", node, "await_startup"], cancellationToken);
    }

    /// <summary>Name of this fixture's virtual host, <c>apiled-test-&lt;random&gt;</c>.</summary>
    public string VirtualHost { get; }

    /// <summary>AMQP URL of <see cref="VirtualHost"/> (vhost URL-encoded), for the services' <c>RabbitMq__Url</c>.</summary>
    public string AmqpUrl { get; }

    /// <summary>Creates a fresh virtual host and gives <c>guest</c> full permissions on it.</summary>
    public static async Task<RabbitMqTestBroker> CreateAsync(CancellationToken cancellationToken = default)
    {
        var vhost = $"apiled-test-{Guid.NewGuid():N}"[..24];
        await RabbitMqCtlAsync(["add_vhost", vhost], cancellationToken);
        var user = new Uri(BaseUrl).UserInfo.Split(':')[0] is { Length: > 0 } u ? Uri.UnescapeDataString(u) : "guest";
        await RabbitMqCtlAsync(["set_permissions", "-p", vhost, user, ".*", ".*", ".*"], cancellationToken);
        return new RabbitMqTestBroker(vhost);
    }

    /// <summary>The AMQP URL of <paramref name="virtualHost"/> on the broker of <paramref name="baseUrl"/>.</summary>
    public static string UrlForVirtualHost(string baseUrl, string virtualHost)
    {
        var uri = new Uri(baseUrl);
        var userInfo = uri.UserInfo.Length > 0 ? uri.UserInfo + "@" : "";
        var authority = uri.IsDefaultPort || uri.Port < 0 ? uri.Host : $"{uri.Host}:{uri.Port}";
        return $"{uri.Scheme}://{userInfo}{authority}/{Uri.EscapeDataString(virtualHost)}";
    }

    /// <summary>A new connection to <see cref="VirtualHost"/>; the caller disposes it.</summary>
    public Task<IConnection> CreateConnectionAsync(CancellationToken cancellationToken = default) =>
        new ConnectionFactory
        {
            Uri = new Uri(AmqpUrl),
            ClientProvidedName = "apiled-integration-tests",
            AutomaticRecoveryEnabled = false,
        }.CreateConnectionAsync(cancellationToken);

    /// <summary>Declares a queue in the vhost (durable by default) and binds it to <paramref name="bindToExchange"/> when given.</summary>
    public async Task DeclareQueueAsync(
        string queue,
        string? bindToExchange = null,
        string routingKey = "#",
        bool durable = true,
        IDictionary<string, object?>? arguments = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        if (bindToExchange is not null)
        {
            await channel.QueueBindAsync(queue, bindToExchange, routingKey, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Declares an exchange in the vhost (durable topic by default).</summary>
    public async Task DeclareExchangeAsync(string exchange, string type = ExchangeType.Topic, bool durable = true, CancellationToken cancellationToken = default)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(exchange, type, durable, autoDelete: false, cancellationToken: cancellationToken);
    }

    /// <summary>Drains <paramref name="queue"/> with basic.get + ack and returns what it held, oldest first.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> GetMessagesAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var messages = new List<ReceivedMessage>();
        while (await channel.BasicGetAsync(queue, autoAck: false, cancellationToken) is { } result)
        {
            messages.Add(ToMessage(result));
            await channel.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
        }

        return messages;
    }

    /// <summary>
    /// Drains <paramref name="queue"/> until at least <paramref name="count"/> messages were read in all or the timeout
    /// (default 30 s) passes; returns all read (possibly fewer than asked: assert on the count).
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(
        string queue, int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var all = new List<ReceivedMessage>();
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            all.AddRange(await GetMessagesAsync(queue, cancellationToken));
            if (all.Count >= count || clock.Elapsed > limit)
            {
                return all;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Messages ready in <paramref name="queue"/>; throws when the queue does not exist.</summary>
    public async Task<uint> MessageCountAsync(string queue, CancellationToken cancellationToken = default) =>
        (await QueueStateAsync(queue, cancellationToken)).MessageCount;

    /// <summary>Consumers on <paramref name="queue"/>; throws when the queue does not exist.</summary>
    public async Task<uint> ConsumerCountAsync(string queue, CancellationToken cancellationToken = default) =>
        (await QueueStateAsync(queue, cancellationToken)).ConsumerCount;

    /// <summary>A queue's ready messages and consumers (queue.declare passive).</summary>
    private async Task<QueueDeclareOk> QueueStateAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
    }

    /// <summary>
    /// Publishes a persistent JSON message (content type <c>application/json</c>) and waits for the broker's confirm.
    /// With <paramref name="mandatory"/> an unroutable message throws.
    /// </summary>
    public async Task PublishAsync(
        string exchange,
        string routingKey,
        string messageId,
        string type,
        string bodyJson,
        IDictionary<string, object?>? headers = null,
        bool mandatory = false,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        var properties = new BasicProperties
        {
            MessageId = messageId,
            Type = type,
            ContentType = "application/json",
            Persistent = true,
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = headers is null ? null : new Dictionary<string, object?>(headers),
        };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, Encoding.UTF8.GetBytes(bodyJson), cancellationToken);
    }

    /// <summary>Stops the broker application (<c>rabbitmqctl stop_app</c>): connections drop, the node stays up.</summary>
    public async Task StopBrokerAppAsync(CancellationToken cancellationToken = default)
    {
        _appStopped = true;
        await RabbitMqCtlAsync(["stop_app"], cancellationToken);
    }

    /// <summary>Starts the broker application again (<c>rabbitmqctl start_app</c>) and waits for it (<c>await_startup</c>).</summary>
    public async Task StartBrokerAppAsync(CancellationToken cancellationToken = default)
    {
        await RabbitMqCtlAsync(["start_app"], cancellationToken);
        await RabbitMqCtlAsync(["await_startup"], cancellationToken);
        _appStopped = false;
    }

    /// <summary>
    /// Runs <c>rabbitmqctl</c> with <paramref name="arguments"/> and returns its stdout; throws with its output when it
    /// fails or does not finish within the timeout (default 90 s, then only that process is killed).
    /// </summary>
    public static async Task<string> RabbitMqCtlAsync(
        IReadOnlyList<string> arguments, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(RabbitMqCtlPath())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        if (Nodes.Count > 0 && !arguments.Contains("-n"))
        {
            info.ArgumentList.Add("-n");
            info.ArgumentList.Add(Nodes[0]);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? CtlTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }

            throw new TimeoutException($"rabbitmqctl {string.Join(' ', arguments)} did not finish within {(timeout ?? CtlTimeout).TotalSeconds:0} s.");
        }

        var output = await stdout;
        var error = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"rabbitmqctl {string.Join(' ', arguments)} failed with exit code {process.ExitCode} " +
                $"(the tests need the broker on this machine; test.sh starts it):{System.Environment.NewLine}{output}{error}");
        }

        return output;
    }

    /// <summary>Deletes the virtual host (and starts the broker app again first if this instance stopped it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_appStopped)
        {
            await StartBrokerAppAsync();
        }

        try
        {
            await RabbitMqCtlAsync(["delete_vhost", VirtualHost]);
        }
        catch (InvalidOperationException)
        {
            // already gone; nothing else to clean
        }
    }

    private static ReceivedMessage ToMessage(BasicGetResult result)
    {
        var props = result.BasicProperties;
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (props.Headers is not null)
        {
            foreach (var (key, value) in props.Headers)
            {
                headers[key] = Decode(value);
            }
        }

        return new ReceivedMessage(
            Encoding.UTF8.GetString(result.Body.Span),
            headers,
            props.MessageId,
            props.Type,
            props.CorrelationId,
            props.ContentType,
            props.Persistent,
            result.Exchange,
            result.RoutingKey,
            result.Redelivered);
    }

    private static object? Decode(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IList<object?> list => list.Select(Decode).ToList(),
        _ => value,
    };

    private static string RabbitMqCtlPath()
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                     .Concat(["/usr/sbin", "/sbin", "/usr/lib/rabbitmq/bin", "/usr/local/sbin"]))
        {
            var candidate = Path.Combine(dir, "rabbitmqctl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("rabbitmqctl was not found: install RabbitMQ (test.sh does) or put rabbitmqctl on PATH.");
    }
}
