using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas.Flows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiLed.Sagas.Participants;

/// <summary>Which system a participant acts for, by the name the flows file gives it (e.g. "billing").</summary>
public sealed record ParticipantIdentity(string System)
{
    public string Consumer => System + "-participant";
}

/// <summary>
/// A choreography participant: the event adapter beside one system API. It reads the saga events whose next action
/// is its system's (its own queue <c>{system}.choreography</c>, bound to <c>choreography.{system}</c>, see
/// <see cref="ChoreographyQueues"/>); the event carries the whole saga with its flow definition,
/// so the participant works out the saga's next action itself and acts only when that action calls its own
/// system: it runs the step (or its compensation) against the system API, then publishes its own success,
/// failure or compensation event, and the saga's outcome when its action settled the saga. No coordinator is
/// involved. Repeated deliveries are skipped (inbox); a crash before the acknowledgement repeats the call with
/// the same Idempotency-Key and the publish with the same message id, which subscribers drop.
/// </summary>
public sealed class ChoreographyParticipant(
    ParticipantIdentity identity,
    IServiceScopeFactory scopes,
    ConfirmedPublisher publisher,
    InboxStore inbox,
    IOptions<ChoreographyOptions> options,
    TimeProvider time,
    ILogger<ChoreographyParticipant> logger) : IMessageHandler
{
    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!message.Type.EndsWith(".v2", StringComparison.Ordinal) || !MessageTypes.IsSagaEvent(message.Type))
        {
            return MessageDisposition.Ack; // v1 events carry no routing slip; other types are not saga events
        }

        var saga = message.Deserialize<SagaState>();
        if (saga.Definition?.Mode != FlowModes.Choreography || saga.TakenOver)
        {
            return MessageDisposition.Ack; // not choreographed, or the process API took it over and alone decides
        }

        var action = SagaTransitions.Next(saga);
        if (action.System != identity.System || await inbox.SeenAsync(identity.Consumer, message.MessageId, ct))
        {
            return MessageDisposition.Ack;
        }

        await using var scope = scopes.CreateAsyncScope();
        var executor = scope.ServiceProvider.GetRequiredService<SagaStepExecutor>();
        if (!executor.CanRun(saga, action))
        {
            // A saga that started before its definition carried its operations: the process API's stall rule takes it over.
            logger.LogWarning("Choreographed saga {OrderId}: its definition declares no operation for {Action}; left to the process API",
                saga.OrderId, action.GetType().Name);
            return MessageDisposition.Ack;
        }

        // The start of a step is not told (the outcome is): it is applied, and the outcome's change set carries the saga on.
        var changes = new SagaChangeSet(saga, time);
        switch (action)
        {
            case SagaAction.Execute execute:
                SagaTransitions.StartStep(saga, execute.Step, execute.Definition);
                var (outcome, attempts) = await executor.ExecuteAsync(saga, execute, ct);
                changes.Add(SagaTransitions.CompleteStep(saga, execute.Step, execute.Definition, outcome, attempts, time.GetUtcNow()));
                break;
            case SagaAction.Compensate undo:
                SagaTransitions.StartCompensation(undo.Step, undo.Definition);
                var (undone, tries) = await executor.CompensateAsync(saga, undo, options.Value.Compensation, ct);
                changes.Add(SagaTransitions.CompleteCompensation(saga, undo.Step, undo.Definition, undone, tries));
                break;
        }

        if (SagaTransitions.Next(saga) is SagaAction.Finish finish)
        {
            changes.Add(SagaTransitions.Finish(saga, finish.Status));
        }

        foreach (var (transition, _, version) in changes.Transitions)
        {
            logger.LogInformation("Choreographed saga {OrderId} v{Version}: {Kind} {Step} {Detail}", saga.OrderId, version,
                transition.Kind, transition.Step, transition.Detail);
        }

        // Not confirmed in time: the exception returns the event to the queue, and its redelivery repeats the
        // (idempotent) call and this publish with the same message ids.
        var now = time.GetUtcNow();
        var batch = ChoreographyQueues.TrackedOnce([.. changes.Messages.Select(m => BrokerMessage.From(m, now))]);
        (await publisher.PublishAsync(batch, ct)).ThrowIfNotAllConfirmed();
        await inbox.RecordAsync(identity.Consumer, message.MessageId, ct);
        return MessageDisposition.Ack;
    }
}
