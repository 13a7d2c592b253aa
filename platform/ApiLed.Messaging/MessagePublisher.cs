using System.Text;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>
/// Publishes straight to RabbitMQ with publisher confirms, for handlers that have no state of their own to save
/// (choreography participants): they publish, then acknowledge what they consumed, so a crash in between
/// repeats the (idempotent) work and the publish instead of losing it. Everything else uses the outbox.
/// </summary>
public sealed class MessagePublisher(RabbitMqConnectionProvider connections, MessagingTopologyRegistry topology, string source) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IChannel? channel;

    public async Task PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (channel is not { IsOpen: true })
            {
                if (channel is not null)
                {
                    await channel.DisposeAsync();
                }

                var connection = await connections.GetAsync(ct);
                channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
                await topology.DeclareAsync(channel, ct);
            }

            foreach (var message in messages)
            {
                var properties = MessageEnvelope.CreateProperties(message.MessageId, message.Type, source, DateTimeOffset.UtcNow,
                    CorrelationContext.Current, MessageEnvelope.CurrentTraceParent());
                var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message.Data, JsonSerializerOptions.Web));
                await channel.BasicPublishAsync(message.Exchange, message.RoutingKey, mandatory: false, properties, body, ct);
            }
        }
        catch
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
                channel = null;
            }

            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        gate.Dispose();
    }
}
