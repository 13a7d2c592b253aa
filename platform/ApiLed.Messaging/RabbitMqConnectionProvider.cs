using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// The service's one AMQP connection, opened on first use and opened again after the broker went away.
/// Relays and consumers take channels from it and run their own reconnect loops.
/// </summary>
public sealed class RabbitMqConnectionProvider(IOptions<RabbitMqOptions> options, ILogger<RabbitMqConnectionProvider> logger,
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

        await gate.WaitAsync(ct);
        try
        {
            if (connection is { IsOpen: true } raced)
            {
                return raced;
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
                connection = null;
            }

            var factory = new ConnectionFactory
            {
                Uri = new Uri(options.Value.Url),
                ClientProvidedName = clientName,
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedHeartbeat = TimeSpan.FromSeconds(10),
            };
            connection = await factory.CreateConnectionAsync(ct);
            logger.LogInformation("Connected to RabbitMQ at {Host}:{Port} vhost {VirtualHost}", factory.HostName, factory.Port, factory.VirtualHost);
            return connection;
        }
        finally
        {
            gate.Release();
        }
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
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        gate.Dispose();
    }
}
