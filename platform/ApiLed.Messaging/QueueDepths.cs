using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiLed.Messaging;

/// <summary>
/// Counts, every <c>RabbitMq:QueueSampleInterval</c>, the messages waiting in each queue this service consumes (its
/// consumer lag, <c>apiled.queue.ready</c>) and in that queue's dead-letter queue (<c>apiled.queue.dead_letters</c>), by
/// passive declares on a channel of its own, every call bounded. A queue that could not be counted keeps no value
/// (its series disappears) rather than a stale one.
/// </summary>
public sealed partial class QueueDepths(
    IEnumerable<ConsumedQueue> consumed,
    RabbitMqConnectionProvider connections,
    IOptions<RabbitMqOptions> options,
    ILogger<QueueDepths> logger) : BackgroundService
{
    private static readonly ConcurrentDictionary<string, (long Ready, long DeadLetters)> depths = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<long> Ready = ApiLedTelemetry.Meter.CreateObservableGauge("apiled.queue.ready",
        () => depths.Select(d => new Measurement<long>(d.Value.Ready, new KeyValuePair<string, object?>("queue", d.Key))),
        description: "Messages waiting in a queue this service consumes, not yet delivered (its consumer lag), sampled every RabbitMq:QueueSampleInterval.");

    private static readonly ObservableGauge<long> DeadLetters = ApiLedTelemetry.Meter.CreateObservableGauge("apiled.queue.dead_letters",
        () => depths.Select(d => new Measurement<long>(d.Value.DeadLetters, new KeyValuePair<string, object?>("queue", d.Key))),
        description: "Messages in the dead-letter queue of a queue this service consumes, sampled every RabbitMq:QueueSampleInterval.");

    private readonly QueueSpec[] queues = [.. consumed.Select(c => c.Spec).DistinctBy(s => s.Name)];
    private readonly QueueInspector inspector = new(connections, options);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = (Ready, DeadLetters);
        if (queues.Length == 0)
        {
            return;
        }

        var interval = options.Value.QueueSampleInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var queue in queues)
            {
                if (await CountAsync(queue.Name, stoppingToken) is { } ready && await CountAsync(queue.DeadLetterQueue, stoppingToken) is { } dead)
                {
                    depths[queue.Name] = (ready, dead);
                }
                else
                {
                    depths.TryRemove(queue.Name, out _);
                }
            }

            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await inspector.DisposeAsync();
    }

    private async Task<long?> CountAsync(string queue, CancellationToken ct)
    {
        try
        {
            return (await inspector.LookAsync(queue, ct))?.Ready; // not declared yet: no value
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogCannotCount(logger, queue, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot count the messages of {Queue}: {Error}")]
    private static partial void LogCannotCount(ILogger logger, string queue, string error);
}
