using ApiLed.Messaging;
using ApiLed.Sagas;

namespace ApiLed.Sagas;

/// <summary>
/// The one owner of every change to a saga's state: each transition <see cref="SagaTransitions"/> decides is added here,
/// which gives it its time, its version (the only place a version is raised) and its events, each a snapshot of the saga
/// as that transition left it, and keeps its history line. The process API stores a change set in one transaction
/// (<c>SagaStore.RecordAsync</c>: state, history and outbox together); a choreography participant publishes its messages.
/// The orchestrator records a saga's last step (or compensation) with its finish, in one change set.
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

    /// <summary>A transition of this set left the saga in a terminal status (completed, failed, cancelled, parked).</summary>
    public bool Ended { get; private set; }

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
        Ended |= ApiLed.Contracts.SagaStatuses.IsTerminal(saga.Status);
        return this;
    }

    /// <summary>The transition added last.</summary>
    public SagaTransition Last => transitions[^1].Transition;
}
