using ApiLed.Messaging;

namespace ApiLed.Sagas;

/// <summary>The queue of each system's choreography participant: <c>{system}.choreography</c>, fed every saga event.</summary>
public static class ChoreographyQueues
{
    public static string For(string system) => system + ".choreography";

    public static QueueSpec SpecFor(string system) => new(For(system), [new QueueBinding(Topology.EventsExchange, "#")]);
}
