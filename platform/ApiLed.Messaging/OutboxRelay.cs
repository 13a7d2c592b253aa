using System.Diagnostics.Metrics;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiLed.Messaging;

/// <summary>
/// Publishes the outbox to RabbitMQ through a <see cref="ConfirmedPublisher"/>, a batch at a time with every
/// message of it in flight; a row is marked published only after the broker confirmed it. While the broker is
/// away the rows wait and the relay retries with capped backoff. Several instances of a service share the outbox:
/// each publishes the rows it claimed (<see cref="OutboxStore.ClaimPendingAsync"/>).
/// </summary>
public sealed partial class OutboxRelay(
    OutboxStore outbox,
    OutboxSignal signal,
    ConfirmedPublisher publisher,
    IOptions<RabbitMqOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Published =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.outbox.published", description: "Messages the outbox relay published and the broker confirmed.");

    /// <summary>How long a claimed batch is this instance's to publish (far beyond a publish's bounded wait for its confirms).</summary>
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(60);

    private DateTimeOffset nextPurge = DateTimeOffset.MinValue;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ObserveBacklog();
        return RelayAsync(stoppingToken);
    }

    /// <summary>The outbox backlog and its oldest row's age, read from the store when <c>/metrics</c> (or an exporter) asks.</summary>
    private void ObserveBacklog()
    {
        ApiLedTelemetry.Meter.CreateObservableGauge<long>("apiled.outbox.backlog",
            () => Backlog(outbox, time) is { } b ? [new Measurement<long>(b.Count)] : Array.Empty<Measurement<long>>(),
            description: "Messages written to the outbox and not yet published.");
        ApiLedTelemetry.Meter.CreateObservableGauge<double>("apiled.outbox.oldest_age",
            () => Backlog(outbox, time) is { } b ? [new Measurement<double>(b.AgeSeconds)] : Array.Empty<Measurement<double>>(), unit: "s",
            description: "How long the oldest message not yet published has waited in the outbox (0 when none waits).");
    }

    private Task RelayAsync(CancellationToken stoppingToken) => BrokerSession.RunAsync(
        async (connected, ct) =>
        {
            while (!ct.IsCancellationRequested)
            {
                var batch = await outbox.ClaimPendingAsync(options.Value.OutboxBatchSize, ClaimDuration, ct);
                if (batch.Count == 0)
                {
                    await PurgeWhenDueAsync(ct);
                    await signal.WaitAsync(options.Value.OutboxPollInterval, ct);
                    continue;
                }

                await PublishBatchAsync(batch, ct);
                connected();
            }
        },
        async (error, delay) => LogCannotPublish(logger, error.Message, await SafePendingCountAsync(), delay),
        options.Value.MaxReconnectDelay, stoppingToken);

    private async Task PublishBatchAsync(List<OutboxRow> batch, CancellationToken ct)
    {
        var outcome = await publisher.PublishAsync([.. batch.Select(BrokerMessage.From)], ct);
        var confirmed = batch.Where((_, i) => outcome.Confirmed[i]).Select(r => r.Sequence).ToList();
        await outbox.MarkPublishedAsync(confirmed, CancellationToken.None);
        Published.Add(confirmed.Count);

        if (!outcome.AllConfirmed)
        {
            var first = batch.First(r => !confirmed.Contains(r.Sequence));
            await outbox.MarkFailedAsync(first.Sequence, outcome.Error!, CancellationToken.None);
            outcome.ThrowIfNotAllConfirmed();
        }
    }

    /// <summary>Once an hour, while idle, deletes the rows published longer ago than <c>RabbitMq:OutboxRetention</c>.</summary>
    private async Task PurgeWhenDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now < nextPurge)
        {
            return;
        }

        nextPurge = now.AddHours(1);
        var purged = await outbox.PurgePublishedAsync(now - options.Value.OutboxRetention, ct);
        if (purged > 0)
        {
            LogPurged(logger, purged, options.Value.OutboxRetention);
        }
    }

    /// <summary>The backlog now, or null when the store cannot say (a scrape must not fail for it).</summary>
    private static (long Count, double AgeSeconds)? Backlog(OutboxStore outbox, TimeProvider time)
    {
        try
        {
            var (count, first) = outbox.BacklogAsync(CancellationToken.None).GetAwaiter().GetResult();
            return (count, first is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : 0);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or ObjectDisposedException)
        {
            return null;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay cannot publish ({Error}); {Pending} message(s) wait; retrying in {Delay}")]
    private static partial void LogCannotPublish(ILogger logger, string error, long pending, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} outbox row(s) published more than {Retention} ago")]
    private static partial void LogPurged(ILogger logger, int count, TimeSpan retention);
}
