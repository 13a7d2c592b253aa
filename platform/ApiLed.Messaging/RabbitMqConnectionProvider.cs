using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// The service's one AMQP connection, opened on first use and opened again after the broker went away; opening
/// is bounded by <c>RabbitMq:OperationTimeout</c>, and a dead connection is disposed in the background. Relays
/// and consumers take channels from it and run their own reconnect loops.
/// </summary>
public sealed partial class RabbitMqConnectionProvider(IOptions<RabbitMqOptions> options, ILogger<RabbitMqConnectionProvider> logger,
    string clientName) : IAsyncDisposable, IHealthCheck
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;

    public async Task<IConnection> GetAsync(CancellationToken ct)
    {
        if (connection is { IsOpen: true } open)
        {
            return open;
        }

        var limit = options.Value.OperationTimeout;
        if (!await gate.WaitAsync(limit, ct))
        {
            throw new TimeoutException($"Another caller has been opening the RabbitMQ connection for over {limit.TotalSeconds:0.#} s.");
        }

        try
        {
            if (connection is { IsOpen: true } raced)
            {
                return raced;
            }

            _ = BoundedBrokerCall.DisposeQuietlyAsync(connection, limit);
            connection = null;

            var factory = new ConnectionFactory
            {
                Uri = new Uri(options.Value.Url),
                ClientProvidedName = clientName,
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedHeartbeat = TimeSpan.FromSeconds(10),
                RequestedConnectionTimeout = limit,
                HandshakeContinuationTimeout = limit,
                ContinuationTimeout = limit,
            };
            var endpoints = Endpoints(factory);
            connection = await BoundedBrokerCall.RunAsync(token => factory.CreateConnectionAsync(endpoints, token), limit,
                "opening the RabbitMQ connection", ct);
            LogConnected(logger, connection.Endpoint.HostName, connection.Endpoint.Port, factory.VirtualHost);
            return connection;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The node of the URL, then the other nodes of <c>RabbitMq:Endpoints</c>, all with the URL's TLS settings.</summary>
    private List<AmqpTcpEndpoint> Endpoints(ConnectionFactory factory)
    {
        var endpoints = new List<AmqpTcpEndpoint> { factory.Endpoint };
        foreach (var node in options.Value.Endpoints)
        {
            var uri = new Uri("amqp://" + node);
            endpoints.Add(new AmqpTcpEndpoint(uri.Host, uri.IsDefaultPort ? factory.Endpoint.Port : uri.Port,
                new SslOption(uri.Host, enabled: factory.Ssl.Enabled) { Version = factory.Ssl.Version }));
        }

        return endpoints;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await GetAsync(timeout.Token);
            return HealthCheckResult.Healthy("RabbitMQ connection is open.");
        }
        catch (Exception ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ is unreachable.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await BoundedBrokerCall.DisposeQuietlyAsync(connection, options.Value.OperationTimeout);
        gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Host}:{Port} vhost {VirtualHost}")]
    private static partial void LogConnected(ILogger logger, string host, int port, string virtualHost);
}
