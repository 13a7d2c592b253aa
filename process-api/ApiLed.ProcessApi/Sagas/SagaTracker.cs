using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Follows the events of choreographed sagas (its own queue <c>process.saga-tracker</c>, bound to
/// <c>choreography.tracker</c>, the key every event of a choreographed saga is also routed by) and keeps
/// their state and history in the saga store, so <c>GET /api/v1/sagas/{id}</c> shows a choreographed order as
/// fully as an orchestrated one. It calls nothing; flagging sagas that stall is <see cref="SagaRecovery"/>'s job. A saga
/// it sees waiting for a callback takes the callback that came before the event, if one did (<see cref="CallbackDelivery"/>).
/// </summary>
public sealed class SagaTracker(SagaStore store, CallbackDelivery callbacks, ILogger<SagaTracker> logger) : IMessageHandler
{
    public static readonly QueueSpec Queue = new("process.saga-tracker", [new QueueBinding(Topology.EventsExchange, ChoreographyQueues.TrackerKey)])
    {
        RetiredBindings = [new QueueBinding(Topology.EventsExchange, "#")], // before: every saga event, orchestrated ones ignored
    };

    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!message.Type.EndsWith(".v2", StringComparison.Ordinal) || !MessageTypes.IsSagaEvent(message.Type))
        {
            return MessageDisposition.Ack;
        }

        var saga = message.Deserialize<SagaState>();
        if (saga.Definition?.Mode != FlowModes.Choreography)
        {
            return MessageDisposition.Ack;
        }

        // A participant's batch reaches the tracker once, as its last event naming the ones before it: a line for each.
        List<SagaHistoryEntry> lines = [.. ChoreographyQueues.EarlierEvents(message).Select(key => HistoryLine(saga, key)), HistoryLine(saga, message.RoutingKey)];
        if (await store.MirrorAsync(saga, lines, ct))
        {
            SagaMetrics.Finish(saga); // the participants ended it (counted when the terminal event is first followed)
        }
        else
        {
            logger.LogDebug("Event {MessageId} is not newer than saga {OrderId} v{Version} held here", message.MessageId, saga.OrderId, saga.Version);
        }

        if (SagaTransitions.Next(saga) is SagaAction.AwaitCallback && await store.FindAsync(saga.OrderId, ct) is { } stored)
        {
            await callbacks.TakeHeldAsync(stored, ct); // a callback that came before this event
        }

        return MessageDisposition.Ack;
    }

    private static SagaHistoryEntry HistoryLine(SagaState saga, string routingKey)
    {
        var step = saga.Definition.Steps.FirstOrDefault(s =>
            routingKey == s.Events.Succeeded || routingKey == s.Events.Failed || routingKey == s.Events.Compensated);
        var failed = step is not null ? saga.Steps.FirstOrDefault(s => s.Name == step.Name)?.Error : saga.FailureReason;
        return new SagaHistoryEntry(saga.UpdatedAt, "event " + routingKey, step?.Name, failed);
    }
}
