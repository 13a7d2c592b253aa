using ApiLed.Messaging;
using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Transitions of one saga decided one after the other and recorded together by <see cref="SagaStore.RecordAsync(SagaChangeSet, CancellationToken)"/>
/// in one transaction: each with its own version, time, history line and events, each event a snapshot of the saga
/// as that transition left it. The orchestrator records a saga's last step (or compensation) with its finish.
/// </summary>
public sealed class SagaChangeSet(SagaState saga, TimeProvider time)
{
    private readonly List<(SagaTransition Transition, DateTimeOffset At, int Version)> transitions = [];
    private readonly List<OutboundMessage> messages = [];

    public SagaState Saga => saga;

    /// <summary>The version the saga had when it was read; the record fails if the stored one moved on.</summary>
    public int ExpectedVersion { get; } = saga.Version;

    /// <summary>The version the saga has once these transitions are recorded.</summary>
    public int Version { get; private set; } = saga.Version;

    /// <summary>Each transition with its time and the version it gives the saga.</summary>
    public IReadOnlyList<(SagaTransition Transition, DateTimeOffset At, int Version)> Transitions => transitions;

    public IReadOnlyList<OutboundMessage> Messages => messages;

    public bool IsEmpty => transitions.Count == 0;

    /// <summary>
    /// Adds a transition already applied to the saga (by <see cref="SagaTransitions"/>); its version, time and events
    /// are made now. Returns the change set, to be recorded.
    /// </summary>
    public SagaChangeSet Add(SagaTransition transition)
    {
        saga.UpdatedAt = time.GetUtcNow();
        Version += transition.VersionStep;
        messages.AddRange(SagaTransitions.MessagesFor(saga, transition, Version));
        transitions.Add((transition, saga.UpdatedAt, Version));
        return this;
    }

    /// <summary>The transition added last.</summary>
    public SagaTransition Last => transitions[^1].Transition;
}
