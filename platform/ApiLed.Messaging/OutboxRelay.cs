using System.Diagnostics;
using System.Text;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// Publishes the outbox to RabbitMQ with publisher confirms and persistent delivery, many messages in flight at
/// once; a row is marked published only after the broker confirmed it. While the broker is away the rows wait
/// and the relay reconnects with capped backoff.
/// </summary>
public sealed class OutboxRelay(
    OutboxStore outbox,
    OutboxSignal signal,
    RabbitMqConnectionProvider connections,
    MessagingTopologyRegistry topology,
    IOptions<RabbitMqOptions> options,
    ILogger<OutboxRelay> logger,
    string source) : BackgroundService
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Published =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.outbox.published", description: "Messages the outbox relay published and the broker confirmed.");

    private DateTimeOffset nextPurge = DateTimeOffset.MinValue;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BrokerSession.RunAsync(
        async (connected, ct) =>
        {
            var connection = await connections.GetAsync(ct);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            await topology.DeclareAsync(channel, ct);
            connected();

            while (!ct.IsCancellationRequested && channel.IsOpen)
            {
                var batch = await outbox.PendingAsync(options.Value.OutboxBatchSize, ct);
                if (batch.Count == 0)
                {
                    await PurgeWhenDueAsync(ct);
                    await signal.WaitAsync(options.Value.OutboxPollInterval, ct);
                    continue;
                }

                await PublishBatchAsync(channel, batch, ct);
            }
        },
        async (error, delay) => logger.LogWarning("Outbox relay cannot publish ({Error}); {Pending} message(s) wait; retrying in {Delay}",
            error.Message, await SafePendingCountAsync(), delay),
        options.Value.MaxReconnectDelay, stoppingToken);

    private async Task PublishBatchAsync(IChannel channel, List<OutboxRow> batch, CancellationToken ct)
    {
        var inFlight = new List<(OutboxRow Row, Task Confirm)>(batch.Count);
        foreach (var row in batch)
        {
            using var activity = ApiLedTelemetry.Source.StartActivity($"publish {row.RoutingKey}", ActivityKind.Producer,
                MessageEnvelope.ParentFrom(row.TraceParent));
            activity?.SetTag("messaging.system", "rabbitmq");
            activity?.SetTag("messaging.destination.name", row.Exchange);
            activity?.SetTag("messaging.rabbitmq.destination.routing_key", row.RoutingKey);
            activity?.SetTag("messaging.message.id", row.MessageId);
            var properties = MessageEnvelope.CreateProperties(row.MessageId, row.Type, source, row.CreatedAt, row.CorrelationId,
                MessageEnvelope.CurrentTraceParent() ?? row.TraceParent);
            inFlight.Add((row, channel.BasicPublishAsync(row.Exchange, row.RoutingKey, mandatory: false, properties,
                Encoding.UTF8.GetBytes(row.Body), ct).AsTask()));
        }

        try
        {
            await Task.WhenAll(inFlight.Select(f => f.Confirm));
        }
        catch
        {
            // Each publish is inspected below; the confirmed ones are kept.
        }

        var confirmed = inFlight.Where(f => f.Confirm.IsCompletedSuccessfully).Select(f => f.Row.Sequence).ToList();
        await outbox.MarkPublishedAsync(confirmed, CancellationToken.None);
        Published.Add(confirmed.Count);

        var failed = inFlight.FirstOrDefault(f => !f.Confirm.IsCompletedSuccessfully);
        if (failed.Row is not null)
        {
            var error = failed.Confirm.Exception?.GetBaseException().Message ?? "cancelled";
            await outbox.MarkFailedAsync(failed.Row.Sequence, error, CancellationToken.None);
            throw new InvalidOperationException($"Broker did not confirm message {failed.Row.MessageId}: {error}");
        }
    }

    /// <summary>Once an hour, while idle, deletes the rows published longer ago than <c>RabbitMq:OutboxRetention</c>.</summary>
    private async Task PurgeWhenDueAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (now < nextPurge)
        {
            return;
        }

        nextPurge = now.AddHours(1);
        var purged = await outbox.PurgePublishedAsync(now - options.Value.OutboxRetention, ct);
        if (purged > 0)
        {
            logger.LogInformation("Deleted {Count} outbox row(s) published more than {Retention} ago", purged, options.Value.OutboxRetention);
        }
    }

    private async Task<long> SafePendingCountAsync()
    {
        try
        {
            return await outbox.PendingCountAsync(CancellationToken.None);
        }
        catch
        {
            return -1;
        }
    }
}
