using ApiLed.Contracts;
using ApiLed.Sagas.Flows;

namespace ApiLed.Sagas;

/// <summary>Statuses of a saga step.</summary>
public static class StepStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";

    /// <summary>The system said a definitive no: nothing happened, nothing to undo.</summary>
    public const string Rejected = "rejected";

    /// <summary>Failed after its retries with an unknown result: it is compensated to be safe.</summary>
    public const string Faulted = "faulted";

    /// <summary>Never run because an earlier step failed.</summary>
    public const string Skipped = "skipped";

    /// <summary>No call of the step was sent (its system's circuit stayed open, or the system is not configured): nothing happened, nothing to undo.</summary>
    public const string Unreached = "unreached";

    /// <summary>An approval step waiting for a person's decision, until its deadline (<see cref="StepState.DueAt"/>).</summary>
    public const string AwaitingApproval = "awaiting-approval";

    /// <summary>An approval step approved (by a person or the deadline): done, nothing to undo.</summary>
    public const string Approved = "approved";

    /// <summary>A timer step waiting until its <see cref="StepState.DueAt"/>.</summary>
    public const string Waiting = "waiting";

    /// <summary>A timer step whose time came: done, nothing to undo.</summary>
    public const string Waited = "waited";

    /// <summary>A callback step whose operation was accepted, waiting for the external system's callback until its <see cref="StepState.DueAt"/>.</summary>
    public const string AwaitingCallback = "awaiting-callback";

    /// <summary>Never run because its condition (<c>When</c>) did not hold.</summary>
    public const string NotTaken = "not-taken";

    public const string Compensating = "compensating";
    public const string Compensated = "compensated";
    public const string CompensationFailed = "compensation-failed";
}

/// <summary>One step of a running saga.</summary>
public sealed class StepState
{
    public required string Name { get; init; }

    public string Status { get; set; } = StepStatuses.Pending;

    /// <summary>Calls made for the step (retries included), then for its compensation.</summary>
    public int Attempts { get; set; }

    public string? Error { get; set; }

    /// <summary>The system's answer when the step succeeded.</summary>
    public string? Result { get; set; }

    /// <summary>When a timer step's wait ends.</summary>
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>Does this step still need undoing once the saga compensates?</summary>
    public bool NeedsCompensation => Status is StepStatuses.Succeeded or StepStatuses.Faulted or StepStatuses.Compensating or StepStatuses.Running;
}

/// <summary>
/// The persisted state of one order's saga: the order, the flow definition it started with (so a changed flow
/// only applies to new orders), each step's state and the saga status.
/// </summary>
public sealed class SagaState
{
    public required string OrderId { get; init; }

    public required string Flow { get; init; }

    [System.Text.Json.Serialization.JsonConverter(typeof(PinnedDefinitionJsonConverter))]
    public required FlowDefinition Definition { get; init; }

    public required FulfillOrderCommand Order { get; init; }

    public required List<StepState> Steps { get; init; }

    public string Status { get; set; } = SagaStatuses.Running;

    public int Version { get; set; }

    public string? FailedStep { get; set; }

    public string? FailureReason { get; set; }

    public string? CorrelationId { get; init; }

    /// <summary>The trace the saga started in (W3C trace id): the order's one trace, for operators to open in a trace viewer.</summary>
    public string? TraceId { get; init; }

    /// <summary>Where in that trace it started (W3C <c>traceparent</c>): a run resumed later (recovery, an operator's action) joins it.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// A choreographed saga the process API took over from its participants (it stalled, or an operator acted on
    /// it): from then on the process API alone decides its next action, and participants ignore its events.
    /// </summary>
    public bool TakenOver { get; set; }

    /// <summary>A random secret the tokens of the saga's callback steps are made from (set only when its flow has one).</summary>
    public string? CallbackSecret { get; init; }

    /// <summary>Set when the partner (or an operator) asked to cancel the order: it is undone and ends <c>cancelled</c>.</summary>
    public OrderCancellation? Cancellation { get; set; }

    /// <summary>While a timer step waits: when it is due (the process API's recovery scan looks for it).</summary>
    public DateTimeOffset? WaitingUntil { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The flow's mode (also read by v1 subscribers as <see cref="SagaProgressEvent.Mode"/>).</summary>
    public string Mode => Definition.Mode;

    /// <summary>When the saga last changed (read by v1 subscribers as <see cref="SagaProgressEvent.At"/>).</summary>
    public DateTimeOffset At => UpdatedAt;

    /// <summary>Whether the process API drives this saga: every orchestrated or hybrid saga, and a choreographed one it took over.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool DrivenByProcessApi => Definition.Mode != FlowModes.Choreography || TakenOver;

    public StepDefinition DefinitionOf(StepState step) => Definition.Steps.Single(s => s.Name == step.Name);

    /// <summary>A new saga; steps at the start whose condition does not hold are already <c>not-taken</c>.</summary>
    public static SagaState Start(FulfillOrderCommand order, string flow, FlowDefinition definition, string? correlationId, DateTimeOffset now)
    {
        var saga = new SagaState
        {
            OrderId = order.OrderId,
            Flow = flow,
            Definition = definition,
            Order = order,
            Steps = [.. definition.Steps.Select(s => new StepState { Name = s.Name })],
            CorrelationId = correlationId,
            TraceId = System.Diagnostics.Activity.Current?.TraceId.ToHexString(),
            TraceParent = Messaging.MessageEnvelope.CurrentTraceParent(),
            CallbackSecret = definition.Steps.Any(s => s.Callback is not null)
                ? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))
                : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        SagaTransitions.Advance(saga, now);
        return saga;
    }

    public SagaProgressEvent ToEvent() => new(OrderId, Flow, Definition.Mode, Status, Version, FailedStep, FailureReason,
        [.. Steps.Select(s => new SagaStepView(s.Name, s.Status, s.Attempts, s.Error))], UpdatedAt)
    {
        Cancellation = Cancellation,
    };
}

/// <summary>A line of a saga's history, as operators read it.</summary>
public sealed record SagaHistoryEntry(DateTimeOffset At, string Kind, string? Step, string? Detail);
