using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ApiLed.Messaging;

/// <summary>The exchanges every service declares, plus the queues this service publishes to and relies on.</summary>
public sealed class MessagingTopologyRegistry(IOptions<RabbitMqOptions> options)
{
    private readonly List<QueueSpec> queues = [];

    public void Require(QueueSpec queue) => queues.Add(queue);

    public async Task DeclareAsync(IChannel channel, CancellationToken ct)
    {
        await Topology.DeclareExchangesAsync(channel, ct);
        foreach (var queue in queues)
        {
            await Topology.DeclareQueueAsync(channel, queue, options.Value.DeliveryLimit, ct);
        }
    }
}
