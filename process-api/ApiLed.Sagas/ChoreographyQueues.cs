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

    /// <summary>
    /// The header of an event a participant published last in a batch for the tracker: the routing keys, space-separated
    /// and in order, of the events before it in that batch, which were not routed to the tracker (see
    /// <see cref="TrackedOnce"/>). The tracker writes their history lines from this event.
    /// </summary>
    public const string EarlierEventsHeader = "apiled-earlier-events";

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

    /// <summary>
    /// One delivery to the tracker for a participant's batch: a participant whose action settles the saga publishes the
    /// step's event and the saga's outcome together, each a snapshot of the whole saga. Only the last one routed to the
    /// tracker keeps that route, naming the earlier ones in <see cref="EarlierEventsHeader"/>; the tracker would have
    /// mirrored the last one anyway and has the earlier ones' history lines from it. Every other route stays.
    /// </summary>
    public static IReadOnlyList<BrokerMessage> TrackedOnce(IReadOnlyList<BrokerMessage> batch)
    {
        var last = -1;
        for (var i = 0; i < batch.Count; i++)
        {
            last = ToTracker(batch[i]) ? i : last;
        }

        if (last <= 0)
        {
            return batch;
        }

        var earlier = new List<string>();
        var tracked = new List<BrokerMessage>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            if (i < last && ToTracker(message))
            {
                earlier.Add(message.RoutingKey);
                var others = message.AlsoRoutedTo!.Where(k => k != TrackerKey).ToList();
                message = message with { AlsoRoutedTo = others.Count > 0 ? others : null };
            }
            else if (i == last && earlier.Count > 0)
            {
                message = message with { Headers = new Dictionary<string, string>(StringComparer.Ordinal) { [EarlierEventsHeader] = string.Join(' ', earlier) } };
            }

            tracked.Add(message);
        }

        return tracked;
    }

    private static bool ToTracker(BrokerMessage message) => message.AlsoRoutedTo?.Contains(TrackerKey) == true;

    /// <summary>The routing keys an event delivered to the tracker names in <see cref="EarlierEventsHeader"/>, in order.</summary>
    public static IReadOnlyList<string> EarlierEvents(IncomingMessage message) =>
        message.Header(EarlierEventsHeader)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
}
