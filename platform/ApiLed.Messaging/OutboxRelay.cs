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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = await connections.GetAsync(stoppingToken);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                    stoppingToken);
                await topology.DeclareAsync(channel, stoppingToken);
                failures = 0;

                while (!stoppingToken.IsCancellationRequested && channel.IsOpen)
                {
                    var batch = await outbox.PendingAsync(options.Value.OutboxBatchSize, stoppingToken);
                    if (batch.Count == 0)
                    {
                        await PurgeWhenDueAsync(stoppingToken);
                        await signal.WaitAsync(options.Value.OutboxPollInterval, stoppingToken);
                        continue;
                    }

                    await PublishBatchAsync(channel, batch, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(options.Value.MaxReconnectDelay.TotalMilliseconds, 250 * Math.Pow(2, failures)));
                logger.LogWarning("Outbox relay cannot publish ({Error}); {Pending} message(s) wait; retrying in {Delay}",
                    ex.Message, await SafePendingCountAsync(), delay);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

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
