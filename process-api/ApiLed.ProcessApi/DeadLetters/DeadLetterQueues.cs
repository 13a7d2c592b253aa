using System.Text;
using ApiLed.Messaging;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>
/// The dead-letter queues of the layer's queues (<c>{queue}.dead-letter</c>): counted, browsed, replayed to the queue a
/// message died in, or discarded. Each operation uses a channel of its own, closed at the end, so a message looked at
/// but not taken goes back to its dead-letter queue; a replayed message is acknowledged (removed) only after the broker
/// confirmed its copy on the original queue, so a failure halfway leaves it dead, never lost. Every broker call is bounded.
/// </summary>
public sealed class DeadLetterQueues(RabbitMqConnectionProvider connections, FlowCatalog flows, IOptions<RabbitMqOptions> options)
{
    /// <summary>Every queue of the layer that has a dead-letter queue: the process API's, the experience API's, and each system's participant.</summary>
    public IReadOnlyList<string> Queues =>
    [
        Topology.OrderFulfillment.Name, SagaTracker.Queue.Name, Topology.OrderStatusQueue,
        .. flows.Current.Systems.Keys.Order(StringComparer.Ordinal).Select(ChoreographyQueues.For),
    ];

    public bool IsKnown(string queue) => Queues.Contains(queue, StringComparer.Ordinal);

    public async Task<List<DeadLetterQueueView>> ListAsync(CancellationToken ct)
    {
        var views = new List<DeadLetterQueueView>();
        await using var inspector = new QueueInspector(connections, options);
        foreach (var queue in Queues)
        {
            var deadLetters = queue + ".dead-letter";
            long? count;
            try
            {
                count = (await inspector.LookAsync(deadLetters, ct))?.Ready ?? 0; // never declared: its consumer has not run, nothing died in it
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                count = null; // the broker did not answer: unknown
            }

            views.Add(new DeadLetterQueueView(queue, deadLetters, count));
        }

        return views;
    }

    /// <summary>Up to <paramref name="limit"/> dead letters of <paramref name="queue"/>, oldest first; they stay where they are.</summary>
    public Task<List<DeadLetterMessage>> BrowseAsync(string queue, int limit, CancellationToken ct) => WithChannelAsync(async channel =>
    {
        var messages = new List<DeadLetterMessage>();
        var available = await CountAsync(channel, queue, ct);
        for (var i = 0; i < Math.Min(limit, available); i++)
        {
            if (await Bounded(token => channel.BasicGetAsync(queue + ".dead-letter", autoAck: false, token), $"reading {queue}.dead-letter", ct) is not { } got)
            {
                break;
            }

            messages.Add(Describe(got));
        }

        return messages; // unacknowledged: closing the channel puts them back
    }, ct);

    /// <summary>Sends the chosen dead letters back to <paramref name="queue"/> (replay) or drops them (discard).</summary>
    public Task<DeadLetterActionResult> TakeAsync(string queue, DeadLetterSelection selection, bool replay, CancellationToken ct) => WithChannelAsync(async channel =>
    {
        var wanted = selection.MessageIds is { Count: > 0 } ids ? new HashSet<string>(ids, StringComparer.Ordinal) : null;
        var done = new List<string>();
        // Bounded by what is there now: a replayed message that dies again is not taken twice in one call.
        var available = await CountAsync(channel, queue, ct);
        for (var i = 0; i < available && done.Count < DeadLetterSelection.MaxAtOnce && (wanted is null || done.Count < wanted.Count); i++)
        {
            if (await Bounded(token => channel.BasicGetAsync(queue + ".dead-letter", autoAck: false, token), $"reading {queue}.dead-letter", ct) is not { } got)
            {
                break;
            }

            var id = Describe(got).MessageId;
            if (wanted is not null && !wanted.Contains(id))
            {
                continue; // left unacknowledged: back in the dead-letter queue when the channel closes
            }

            if (replay)
            {
                await Bounded(token => channel.BasicPublishAsync("", queue, mandatory: false, Republished(got.BasicProperties), got.Body, token).AsTask(),
                    $"replaying {id} to {queue}", ct);
            }

            await Bounded(token => channel.BasicAckAsync(got.DeliveryTag, multiple: false, token).AsTask(), $"removing {id} from {queue}.dead-letter", ct);
            done.Add(id);
        }

        return new DeadLetterActionResult(queue, replay ? "replayed" : "discarded", done,
            wanted is null ? [] : [.. wanted.Where(id => !done.Contains(id, StringComparer.Ordinal)).Order(StringComparer.Ordinal)]);
    }, ct);

    private async Task<uint> CountAsync(IChannel channel, string queue, CancellationToken ct) =>
        (await Bounded(token => channel.QueueDeclarePassiveAsync(queue + ".dead-letter", token), $"counting {queue}.dead-letter", ct)).MessageCount;

    private async Task<T> WithChannelAsync<T>(Func<IChannel, Task<T>> work, CancellationToken ct)
    {
        var connection = await connections.GetAsync(ct);
        var channel = await Bounded(token => connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), token), "opening a dead-letter channel", ct);
        try
        {
            return await work(channel);
        }
        finally
        {
            await BoundedBrokerCall.DisposeQuietlyAsync(channel, options.Value.OperationTimeout);
        }
    }

    private Task<T> Bounded<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken ct) =>
        BoundedBrokerCall.RunAsync(call, options.Value.OperationTimeout, what, ct);

    private Task Bounded(Func<CancellationToken, Task> call, string what, CancellationToken ct) =>
        BoundedBrokerCall.RunAsync(call, options.Value.OperationTimeout, what, ct);

    /// <summary>The message as it was sent (its id, type, correlation and trace headers), without the counters of its last queue.</summary>
    private static BasicProperties Republished(IReadOnlyBasicProperties dead) => new()
    {
        MessageId = dead.MessageId,
        Type = dead.Type,
        CorrelationId = dead.CorrelationId,
        ContentType = dead.ContentType,
        DeliveryMode = DeliveryModes.Persistent,
        Timestamp = dead.Timestamp,
        Headers = dead.Headers?.Where(h => h.Key != "x-delivery-count").ToDictionary(h => h.Key, h => h.Value),
    };

    private static DeadLetterMessage Describe(BasicGetResult got)
    {
        var properties = got.BasicProperties;
        var death = properties.Headers is not null && properties.Headers.TryGetValue("x-death", out var deaths) && deaths is IList<object> list
                    && list.FirstOrDefault() is IDictionary<string, object?> first ? first : null;
        DateTimeOffset? diedAt = death?.TryGetValue("time", out var at) == true && at is AmqpTimestamp stamp
            ? DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime) : null;
        long? deliveries = properties.Headers?.TryGetValue("x-delivery-count", out var count) == true && count is long n ? n : null;
        return new DeadLetterMessage(
            properties.MessageId ?? MessageEnvelope.Header(properties, MessageEnvelope.Id) ?? "",
            MessageEnvelope.Header(properties, MessageEnvelope.Type) ?? properties.Type,
            death?.TryGetValue("routing-keys", out var keys) == true && keys is IList<object> routing && routing.FirstOrDefault() is byte[] key
                ? Encoding.UTF8.GetString(key) : got.RoutingKey,
            MessageEnvelope.Header(properties, MessageEnvelope.CorrelationId) ?? properties.CorrelationId,
            death?.TryGetValue("reason", out var reason) == true ? Text(reason) : MessageEnvelope.Header(properties, "x-first-death-reason"),
            diedAt,
            deliveries,
            Encoding.UTF8.GetString(got.Body.Span));
    }

    private static string? Text(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        _ => value?.ToString(),
    };
}
