using ApiLed.Messaging;

namespace ApiLed.Sagas;

/// <summary>
/// Where choreographed saga events go besides their own routing key. An event of a choreographed saga is also routed
/// (RabbitMQ's <c>BCC</c> header) to <c>choreography.{system}</c> of the one system whose turn it is, and to
/// <c>choreography.tracker</c> (but for the process API's own events while a participant acts next); each participant's
/// queue <c>{system}.choreography</c> is bound to its own key only, so it receives the events it acts on and no others,
/// and the process API's tracker receives choreographed sagas only.
/// Subscribers of the events themselves (bound to their routing keys, or <c>#</c>) receive every event as before.
/// </summary>
public static class ChoreographyQueues
{
    /// <summary>The prefix of the participants' and the tracker's routing keys; flows cannot name events under it.</summary>
    public const string KeyPrefix = "choreography.";

    public const string TrackerKey = KeyPrefix + "tracker";

    public static string For(string system) => system + ".choreography";

    /// <summary>The routing key that reaches the participant of <paramref name="system"/>.</summary>
    public static string KeyFor(string system) => KeyPrefix + system;

    public static QueueSpec SpecFor(string system) => new(For(system), [new QueueBinding(Topology.EventsExchange, KeyFor(system))])
    {
        RetiredBindings = [new QueueBinding(Topology.EventsExchange, "#")], // before: every saga event, to be ignored but for a few
    };

    /// <summary>
    /// The keys an event of <paramref name="saga"/> (as it stands when the event is made) is also routed by: the tracker
    /// and the participant whose turn it is, while the participants run the saga; none for orchestrated and hybrid
    /// sagas, and none once the process API took the saga over.
    /// </summary>
    public static IReadOnlyList<string>? AlsoRouteTo(SagaState saga)
    {
        if (saga.Definition?.Mode != Flows.FlowModes.Choreography || saga.TakenOver)
        {
            return null;
        }

        return SagaTransitions.Next(saga).System is { } system ? [TrackerKey, KeyFor(system)] : [TrackerKey];
    }

    /// <summary>
    /// The keys an event the process API records itself (the saga's start, a callback or a cancel it took) is also routed
    /// by: not to its own tracker while a participant acts next, since the tracker would find nothing newer than the state
    /// recorded with the event; to the tracker still when no participant does (it may have to take a callback that came
    /// before the wait). One delivery less for every choreographed saga.
    /// </summary>
    public static IReadOnlyList<string>? ForProcessApiEvent(IReadOnlyList<string>? keys) =>
        keys is { Count: > 1 } && keys.Contains(TrackerKey) ? [.. keys.Where(k => k != TrackerKey)] : keys;
}
