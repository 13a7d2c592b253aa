using System.Collections.Concurrent;

namespace ApiLed.Messaging;

/// <summary>The broker clients of this service (consumers and publishers), by name, for readiness.</summary>
public sealed class BrokerClients
{
    private readonly ConcurrentDictionary<string, BrokerClientStatus> clients = new(StringComparer.Ordinal);

    public BrokerClientStatus Register(string name) => clients.GetOrAdd(name, n => new BrokerClientStatus(n));

    public IReadOnlyCollection<BrokerClientStatus> All => [.. clients.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];
}
