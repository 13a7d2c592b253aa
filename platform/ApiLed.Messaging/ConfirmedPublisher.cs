using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// The one way ApiLed publishes: persistent messages on a channel with publisher confirms, a batch at a time with
/// every message of it in flight at once, each batch bounded by <c>RabbitMq:PublishTimeout</c>. The outbox relay
/// and the choreography participants each own one. The channel is opened on first use (bounded by
/// <c>RabbitMq:OperationTimeout</c>) and replaced after any failure; the dead one is disposed in the background,
/// so no later publish waits on it. A batch that was not wholly confirmed is reported, never silently dropped:
/// the relay keeps the unconfirmed rows, a participant requeues the event it was handling.
/// </summary>
public sealed partial class ConfirmedPublisher : IAsyncDisposable
{
    private readonly RabbitMqConnectionProvider connections;
    private readonly MessagingTopologyRegistry topology;
    private readonly RabbitMqOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string source;
    private readonly BrokerClientStatus status;
    private readonly SemaphoreSlim channelGate = new(1, 1);
    private IChannel? channel;

    public ConfirmedPublisher(RabbitMqConnectionProvider connections, MessagingTopologyRegistry topology, BrokerClients clients,
        IOptions<RabbitMqOptions> options, TimeProvider time, ILogger<ConfirmedPublisher> logger, string source, string name)
    {
        this.connections = connections;
        this.topology = topology;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        this.source = source;
        status = clients.Register(name);
        status.Working(); // a publisher opens its channel on first use; only a failed publish makes it not ready
    }

    /// <summary>Publishes <paramref name="messages"/> and reports which the broker confirmed within the time limit.</summary>
    public async Task<PublishOutcome> PublishAsync(IReadOnlyList<BrokerMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return new PublishOutcome([], null);
        }

        IChannel current;
        try
        {
            current = await GetChannelAsync(ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return Failed(messages.Count, null, $"no channel: {ex.Message}");
        }

        var confirms = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            confirms[i] = Publish(current, messages[i], ct);
        }

        string? error = null;
        try
        {
            await Task.WhenAll(confirms).WaitAsync(options.PublishTimeout, ct);
        }
        catch (TimeoutException)
        {
            error = $"the broker did not confirm within {options.PublishTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Inspected one by one below.
        }

        var confirmed = confirms.Select(t => t.IsCompletedSuccessfully).ToArray();
        if (confirmed.All(c => c))
        {
            status.Working();
            return new PublishOutcome(confirmed, null);
        }

        ct.ThrowIfCancellationRequested();
        error ??= confirms.First(t => !t.IsCompletedSuccessfully).Exception?.GetBaseException().Message ?? "not confirmed";
        return Failed(messages.Count, current, error, confirmed);
    }

    public async ValueTask DisposeAsync()
    {
        await BoundedBrokerCall.DisposeQuietlyAsync(channel, options.OperationTimeout);
        channelGate.Dispose();
    }

    private Task Publish(IChannel on, BrokerMessage message, CancellationToken ct)
    {
        using var activity = MessagingSpans.StartPublish(message);
        var properties = MessageEnvelope.CreateProperties(message.MessageId, message.Type, source, message.Time, message.CorrelationId,
            MessageEnvelope.CurrentTraceParent() ?? message.TraceParent, MessageEnvelope.CurrentTraceState() ?? message.TraceState,
            message.AlsoRoutedTo, message.Headers);
        try
        {
            return on.BasicPublishAsync(message.Exchange, message.RoutingKey, mandatory: false, properties, message.Body, ct).AsTask();
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    private PublishOutcome Failed(int count, IChannel? failedChannel, string error, bool[]? confirmed = null)
    {
        status.Failing(error, time.GetUtcNow());
        LogPublishFailed(logger, status.Name, count - (confirmed?.Count(c => c) ?? 0), count, error);
        if (failedChannel is not null)
        {
            _ = DiscardAsync(failedChannel);
        }

        return new PublishOutcome(confirmed ?? new bool[count], error);
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken ct)
    {
        if (channel is { IsOpen: true } open)
        {
            return open;
        }

        if (!await channelGate.WaitAsync(options.OperationTimeout, ct))
        {
            throw new TimeoutException($"waited {options.OperationTimeout.TotalSeconds:0.#} s for the channel of {status.Name}");
        }

        try
        {
            if (channel is { IsOpen: true } raced)
            {
                return raced;
            }

            var dead = channel;
            channel = null;
            _ = BoundedBrokerCall.DisposeQuietlyAsync(dead, options.OperationTimeout);

            var connection = await connections.GetAsync(ct);
            var opened = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), token),
                options.OperationTimeout, $"opening the channel of {status.Name}", ct);
            try
            {
                await BoundedBrokerCall.RunAsync(token => topology.DeclareAsync(opened, token), options.OperationTimeout,
                    "declaring the topology", ct);
            }
            catch
            {
                _ = BoundedBrokerCall.DisposeQuietlyAsync(opened, options.OperationTimeout);
                throw;
            }

            channel = opened;
            return opened;
        }
        finally
        {
            channelGate.Release();
        }
    }

    /// <summary>Forgets <paramref name="failed"/> (unless another caller replaced it already) and disposes it in the background.</summary>
    private async Task DiscardAsync(IChannel failed)
    {
        if (Interlocked.CompareExchange(ref channel, null, failed) == failed)
        {
            await BoundedBrokerCall.DisposeQuietlyAsync(failed, options.OperationTimeout);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Publisher}: {Unconfirmed} of {Count} message(s) not confirmed ({Error}); the channel is replaced")]
    private static partial void LogPublishFailed(ILogger logger, string publisher, int unconfirmed, int count, string error);
}
