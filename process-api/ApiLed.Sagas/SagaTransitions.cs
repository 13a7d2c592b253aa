using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.Sagas;

/// <summary>What a saga needs next, read from its state alone.</summary>
public abstract record SagaAction
{
    /// <summary>Run <see cref="Step"/>'s operation.</summary>
    public sealed record Execute(StepState Step, StepDefinition Definition) : SagaAction;

    /// <summary>Undo <see cref="Step"/> with its compensation.</summary>
    public sealed record Compensate(StepState Step, StepDefinition Definition) : SagaAction;

    /// <summary>An approval step waits for a person's decision until <see cref="Deadline"/>; it is no system's action.</summary>
    public sealed record AwaitApproval(StepState Step, StepDefinition Definition, DateTimeOffset Deadline) : SagaAction;

    /// <summary>A callback step waits for the external system's callback until <see cref="Deadline"/>; it is no system's action.</summary>
    public sealed record AwaitCallback(StepState Step, StepDefinition Definition, DateTimeOffset Deadline) : SagaAction;

    /// <summary>A timer step waits until <see cref="DueAt"/>; it is no system's action.</summary>
    public sealed record Wait(StepState Step, StepDefinition Definition, DateTimeOffset DueAt) : SagaAction;

    /// <summary>Every step is settled: the saga ends with <see cref="Status"/>.</summary>
    public sealed record Finish(string Status) : SagaAction;

    /// <summary>The saga is terminal.</summary>
    public sealed record Done : SagaAction;

    /// <summary>The system whose operation this action calls ("inventory", "billing", "shipping"), if any.</summary>
    public string? System => this switch
    {
        Execute e => OperationNames.SystemOf(e.Definition.Operation),
        Compensate c when c.Definition.Compensation is { Length: > 0 } op => OperationNames.SystemOf(op),
        Compensate c => OperationNames.SystemOf(c.Definition.Operation),
        _ => null,
    };
}

/// <summary>
/// A saga transition: its history line and the event it publishes (if any). It raises the saga's version by
/// <see cref="VersionStep"/>: 1, or <see cref="SagaTransitions.TakeoverVersionGap"/> for a takeover.
/// </summary>
public sealed record SagaTransition(string Kind, string? Step, string? Detail, string? EventName, bool Parked = false, int VersionStep = 1)
{
    /// <summary>The saga's own events the transition publishes besides <see cref="EventName"/> (an approval started or decided).</summary>
    public IReadOnlyList<string> AlsoPublish { get; init; } = [];
}

/// <summary>
/// The order-fulfillment state machine, shared by both ways of driving it: the process API's orchestrator
/// loops over it calling the system APIs itself; in choreography each participant beside a system API reads
/// the saga (carried whole in every event, a routing slip) and acts only when the next action is its own.
/// Steps run in order; a failure compensates, in reverse, every step that took effect or may have (a step that
/// faulted with an unknown result is undone too); a compensation that keeps failing parks the saga.
/// </summary>
public static class SagaTransitions
{
    public const string ParkedMessageType = "apiled.saga.needs-attention.v1";

    /// <summary>Events a flow may not emit from a step: the saga's own outcome events.</summary>
    public static readonly IReadOnlySet<string> ReservedEvents = new HashSet<string>(StringComparer.Ordinal)
        { OrderEvents.Processing, OrderEvents.Completed, OrderEvents.Failed, OrderEvents.NeedsAttention, OrderEvents.AwaitingApproval, OrderEvents.ApprovalDecided, OrderEvents.AwaitingCallback,
          OrderEvents.Cancelling, OrderEvents.Cancelled };

    public static SagaAction Next(SagaState saga)
    {
        if (SagaStatuses.IsTerminal(saga.Status))
        {
            return new SagaAction.Done();
        }

        if (saga.Status == SagaStatuses.Running)
        {
            var step = saga.Steps.FirstOrDefault(s => s.Status is StepStatuses.Pending or StepStatuses.Running or StepStatuses.Waiting
                or StepStatuses.AwaitingApproval or StepStatuses.AwaitingCallback);
            return step switch
            {
                null => new SagaAction.Finish(SagaStatuses.Completed),
                { Status: StepStatuses.AwaitingApproval, DueAt: { } deadline } => new SagaAction.AwaitApproval(step, saga.DefinitionOf(step), deadline),
                { Status: StepStatuses.AwaitingCallback, DueAt: { } deadline } => new SagaAction.AwaitCallback(step, saga.DefinitionOf(step), deadline),
                { Status: StepStatuses.Waiting, DueAt: { } due } => new SagaAction.Wait(step, saga.DefinitionOf(step), due),
                _ => new SagaAction.Execute(step, saga.DefinitionOf(step)),
            };
        }

        var undo = saga.Steps.LastOrDefault(s => s.NeedsCompensation);
        return undo is not null ? new SagaAction.Compensate(undo, saga.DefinitionOf(undo))
            : new SagaAction.Finish(saga.Cancellation is null ? SagaStatuses.Failed : SagaStatuses.Cancelled);
    }

    public static SagaTransition StartStep(SagaState saga, StepState step, StepDefinition definition)
    {
        var resumed = step.Status == StepStatuses.Running;
        step.Status = StepStatuses.Running;
        return new SagaTransition(resumed ? "step-resumed" : "step-started", step.Name, definition.Operation, null);
    }

    /// <summary>Records a step's outcome; <c>now</c> is needed when a timer step follows, whose wait starts then.</summary>
    public static SagaTransition CompleteStep(SagaState saga, StepState step, StepDefinition definition, StepOutcome outcome, int attempts,
        DateTimeOffset? now = null)
    {
        step.Attempts += attempts;
        switch (outcome)
        {
            case StepOutcome.Succeeded succeeded when definition.Callback is { } callback:
                var accepted = now ?? throw new InvalidOperationException($"Saga {saga.OrderId}: waiting for the callback of {step.Name} needs the time.");
                step.Status = StepStatuses.AwaitingCallback;
                step.Result = Truncate(succeeded.Detail);
                step.DueAt = accepted + callback.Deadline;
                saga.WaitingUntil = step.DueAt;
                return new SagaTransition("callback-awaited", step.Name, $"accepted after {attempts} call(s); the callback is due by {step.DueAt:O}", null)
                {
                    AlsoPublish = [OrderEvents.AwaitingCallback],
                };
            case StepOutcome.Succeeded succeeded:
                step.Status = StepStatuses.Succeeded;
                step.Result = Truncate(succeeded.Detail);
                return new SagaTransition("step-succeeded", step.Name, $"after {attempts} call(s){Advance(saga, now)}", definition.Events.Succeeded)
                {
                    AlsoPublish = ApprovalStarted(saga),
                };
            case StepOutcome.Rejected rejected:
                Fail(saga, step, StepStatuses.Rejected, rejected.Reason);
                return new SagaTransition("step-rejected", step.Name, rejected.Reason, definition.Events.Failed);
            case StepOutcome.Faulted { NotSent: true } unreached:
                Fail(saga, step, StepStatuses.Unreached, unreached.Reason);
                return new SagaTransition("step-unreached", step.Name, $"{unreached.Reason} (after {attempts} call(s), none reached it)",
                    definition.Events.Failed);
            case StepOutcome.Faulted faulted:
                Fail(saga, step, StepStatuses.Faulted, faulted.Reason);
                return new SagaTransition("step-faulted", step.Name, $"{faulted.Reason} (after {attempts} call(s))", definition.Events.Failed);
            default:
                throw new InvalidOperationException($"Unexpected outcome {outcome}.");
        }
    }

    /// <summary>
    /// After a step succeeded (or at the start): decides the conditions of the steps that come next and, when the next
    /// step is a timer, starts its wait. Returns what it did, for the history line ("" when nothing).
    /// </summary>
    public static string Advance(SagaState saga, DateTimeOffset? now)
    {
        var notTaken = DecideConditions(saga);
        var said = notTaken.Count == 0 ? "" : $"; not taken: {string.Join(", ", notTaken)}";
        var next = saga.Steps.FirstOrDefault(s => s.Status is StepStatuses.Pending or StepStatuses.Running);
        if (next is null || next.Status != StepStatuses.Pending)
        {
            return said;
        }

        var definition = saga.DefinitionOf(next);
        if (definition.Approval is { } approval)
        {
            var asked = now ?? throw new InvalidOperationException($"Saga {saga.OrderId}: asking for approval at {next.Name} needs the time.");
            next.Status = StepStatuses.AwaitingApproval;
            next.DueAt = asked + approval.Deadline;
            next.Result = new PendingApproval(approval.Group, false).ToJson();
            saga.WaitingUntil = next.DueAt;
            return $"{said}; {next.Name} awaits the approval of {approval.Group} until {next.DueAt:O}";
        }

        if (definition.Wait is not { } wait)
        {
            return said;
        }

        var start = now ?? throw new InvalidOperationException($"Saga {saga.OrderId}: starting the wait of {next.Name} needs the time.");
        var due = DueAt(saga, wait, start);
        next.Status = StepStatuses.Waiting;
        next.DueAt = due;
        saga.WaitingUntil = due;
        return $"{said}; {next.Name} waits until {due:O}";
    }

    /// <summary>Ends a timer step whose time came, and goes on as after any step that succeeded.</summary>
    public static SagaTransition CompleteWait(SagaState saga, StepState step, StepDefinition definition, DateTimeOffset now)
    {
        step.Status = StepStatuses.Waited;
        step.Result = $$"""{"waitedUntil":"{{step.DueAt:O}}"}""";
        saga.WaitingUntil = null;
        return new SagaTransition("wait-over", step.Name, $"due at {step.DueAt:O}{Advance(saga, now)}", definition.Events.Succeeded)
        {
            AlsoPublish = ApprovalStarted(saga),
        };
    }

    /// <summary>
    /// A person's decision on an approval step (or the deadline's, by <c>deadline</c>): approved, the saga goes on; rejected,
    /// the order fails and the steps before are compensated.
    /// </summary>
    public static SagaTransition DecideApproval(SagaState saga, StepState step, StepDefinition definition, bool approved, string by, string reason,
        DateTimeOffset now)
    {
        saga.WaitingUntil = null;
        step.Attempts += 1;
        step.Result = new ApprovalDecision(approved ? "approved" : "rejected", by, reason, now).ToJson();
        if (approved)
        {
            step.Status = StepStatuses.Approved;
            return new SagaTransition("approval-approved", step.Name, $"approved by {by}: {reason}{Advance(saga, now)}", definition.Events.Succeeded)
            {
                AlsoPublish = [OrderEvents.ApprovalDecided, .. ApprovalStarted(saga)],
            };
        }

        Fail(saga, step, StepStatuses.Rejected, $"rejected by {by}: {reason}");
        return new SagaTransition("approval-rejected", step.Name, $"rejected by {by}: {reason}", definition.Events.Failed)
        {
            AlsoPublish = [OrderEvents.ApprovalDecided],
        };
    }

    /// <summary>
    /// Nobody decided an approval by its deadline: the step's <c>OnDeadline</c> is taken. An escalation hands the
    /// approval to <c>EscalateTo</c> with a new deadline as long; an escalated approval that times out is rejected.
    /// </summary>
    public static SagaTransition ApprovalDeadlinePassed(SagaState saga, StepState step, StepDefinition definition, DateTimeOffset now)
    {
        var approval = definition.Approval ?? throw new InvalidOperationException($"Step {step.Name} is not an approval.");
        var pending = PendingApproval.From(step);
        var action = pending is { Escalated: true } ? ApprovalDeadlines.Reject : approval.OnDeadline;
        if (action == ApprovalDeadlines.Escalate && approval.EscalateTo is { Length: > 0 } group)
        {
            step.DueAt = now + approval.Deadline;
            step.Result = new PendingApproval(group, true).ToJson();
            saga.WaitingUntil = step.DueAt;
            return new SagaTransition("approval-escalated", step.Name, $"undecided by {pending?.Group ?? approval.Group}: handed to {group} until {step.DueAt:O}", null)
            {
                AlsoPublish = [OrderEvents.AwaitingApproval],
            };
        }

        return DecideApproval(saga, step, definition, action == ApprovalDeadlines.Approve, "the deadline",
            $"undecided by {pending?.Group ?? approval.Group} by {step.DueAt:O}", now);
    }

    /// <summary>
    /// The external system called back on a callback step: success, its body becomes the step's result and the saga goes on;
    /// failure, the step is rejected (the system said no) and the steps before are compensated.
    /// </summary>
    public static SagaTransition CompleteCallback(SagaState saga, StepState step, StepDefinition definition, bool succeeded, string? detail,
        DateTimeOffset now)
    {
        saga.WaitingUntil = null;
        if (succeeded)
        {
            step.Status = StepStatuses.Succeeded;
            step.Result = Truncate(detail);
            return new SagaTransition("callback-succeeded", step.Name, $"the callback came{Advance(saga, now)}", definition.Events.Succeeded)
            {
                AlsoPublish = ApprovalStarted(saga),
            };
        }

        var reason = $"the callback said it failed: {detail}";
        Fail(saga, step, StepStatuses.Rejected, reason);
        return new SagaTransition("callback-failed", step.Name, reason, definition.Events.Failed);
    }

    /// <summary>No callback came by the deadline: what the step's operation started may go on, so the step is faulted and undone with the rest.</summary>
    public static SagaTransition CallbackDeadlinePassed(SagaState saga, StepState step, StepDefinition definition)
    {
        saga.WaitingUntil = null;
        var reason = $"no callback by its deadline {step.DueAt:O}";
        Fail(saga, step, StepStatuses.Faulted, reason);
        return new SagaTransition("callback-missed", step.Name, reason, definition.Events.Failed);
    }

    /// <summary>
    /// The token of a callback step: the order id and a value made from the saga's secret and the step, so the same on every
    /// attempt and in every process (participants included), and unguessable without the saga.
    /// </summary>
    public static string CallbackToken(SagaState saga, string step)
    {
        var secret = saga.CallbackSecret ?? throw new InvalidOperationException($"Saga {saga.OrderId} has no callback steps.");
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{secret}:{step}"));
        return $"{saga.OrderId}.{Convert.ToHexStringLower(hash.AsSpan(0, 16))}";
    }

    private static string? Truncate(string? detail) => detail is { Length: > 2000 } ? detail[..2000] : detail;

    private static IReadOnlyList<string> ApprovalStarted(SagaState saga) =>
        saga.Steps.Any(s => s.Status == StepStatuses.AwaitingApproval) ? [OrderEvents.AwaitingApproval] : [];

    private static DateTimeOffset DueAt(SagaState saga, WaitDefinition wait, DateTimeOffset now)
    {
        if (wait.For is { } duration)
        {
            return now + duration;
        }

        using var scope = OperationScope.Of(saga);
        var text = TextTemplate.Of(wait.Until ?? "").Render(scope.RootElement);
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var until)
            ? until.ToUniversalTime()
            : now; // not a time: nothing to wait for (the history line shows the time it was due)
    }

    /// <summary>
    /// Decides the conditions of the steps that come next: while the next pending step has a <c>When</c> that does not
    /// hold, it is <c>not-taken</c>. A condition reads only the order and steps before it (the flows are validated so),
    /// which are settled by now, so the decision is final and the same in every mode. Returns the steps not taken.
    /// </summary>
    public static List<string> DecideConditions(SagaState saga)
    {
        var notTaken = new List<string>();
        System.Text.Json.JsonDocument? scope = null;
        try
        {
            foreach (var step in saga.Steps.SkipWhile(s => s.Status is not StepStatuses.Pending))
            {
                if (step.Status is not StepStatuses.Pending || saga.DefinitionOf(step).When is not { Length: > 0 } when)
                {
                    break;
                }

                scope ??= OperationScope.Of(saga);
                if (FlowCondition.Of(when).Holds(scope.RootElement))
                {
                    break;
                }

                step.Status = StepStatuses.NotTaken;
                notTaken.Add(step.Name);
            }
        }
        finally
        {
            scope?.Dispose();
        }

        return notTaken;
    }

    public static SagaTransition StartCompensation(StepState step, StepDefinition definition)
    {
        var resumed = step.Status == StepStatuses.Compensating;
        step.Status = StepStatuses.Compensating;
        return new SagaTransition(resumed ? "compensation-resumed" : "compensation-started", step.Name, definition.Compensation, null);
    }

    public static SagaTransition CompleteCompensation(SagaState saga, StepState step, StepDefinition definition, StepOutcome outcome, int attempts)
    {
        step.Attempts += attempts;
        if (outcome is StepOutcome.Succeeded)
        {
            step.Status = StepStatuses.Compensated;
            return new SagaTransition("step-compensated", step.Name, definition.Compensation ?? "nothing to undo", definition.Events.Compensated);
        }

        var reason = outcome switch
        {
            StepOutcome.Rejected r => r.Reason,
            StepOutcome.Faulted f => f.Reason,
            _ => "unknown",
        };
        step.Status = StepStatuses.CompensationFailed;
        step.Error = step.Error is null ? $"compensation failed: {reason}" : $"{step.Error}; compensation failed: {reason}";
        saga.Status = SagaStatuses.NeedsAttention;
        return new SagaTransition("saga-parked", step.Name, $"{definition.Compensation} failed after {attempts} call(s): {reason}",
            OrderEvents.NeedsAttention, Parked: true);
    }

    public static SagaTransition Finish(SagaState saga, string status)
    {
        saga.Status = status;
        return status switch
        {
            SagaStatuses.Completed => new SagaTransition("saga-completed", null, "every step succeeded", OrderEvents.Completed),
            SagaStatuses.Cancelled => new SagaTransition("saga-cancelled", null, $"{saga.FailureReason}; every step that took effect was undone",
                OrderEvents.Cancelled),
            _ => new SagaTransition("saga-failed", saga.FailedStep, saga.FailureReason, OrderEvents.Failed),
        };
    }

    /// <summary>
    /// A takeover raises the version by this much, above every version the participants' branch of the saga can
    /// still emit (at most two transitions a step plus its outcome), so its late events are older than anything
    /// the process API writes from then on and every subscriber that keeps the newest version ignores them.
    /// </summary>
    public const int TakeoverVersionGap = 1000;

    /// <summary>
    /// The process API takes a choreographed saga over from its participants (it stalled, or an operator acted on
    /// it) and from then on alone decides its next action. A saga still running is failed: since events may still
    /// be on their way, every step not known to be settled may have run, so each is marked faulted and compensated
    /// (its undo leaves the tombstone that refuses a late action). A compensating saga goes on compensating; a
    /// saga that only lacked its outcome is finished.
    /// </summary>
    public static SagaTransition TakeOver(SagaState saga, string? waitingFor, string reason)
    {
        saga.TakenOver = true;
        if (saga.Status == SagaStatuses.Running && Next(saga) is SagaAction.Execute)
        {
            foreach (var step in saga.Steps.Where(s => s.Status is StepStatuses.Pending or StepStatuses.Running))
            {
                step.Status = StepStatuses.Faulted;
                step.Error = step.Name == waitingFor ? reason : $"not known whether it ran: the saga was taken over ({reason})";
            }

            saga.Status = SagaStatuses.Compensating;
            saga.FailedStep = waitingFor;
            saga.FailureReason = reason;
        }
        else if (saga.Status == SagaStatuses.NeedsAttention)
        {
            saga.Status = SagaStatuses.Compensating;
        }

        return new SagaTransition("saga-taken-over", waitingFor, $"the process API took the saga over: {reason}", null,
            VersionStep: TakeoverVersionGap);
    }

    /// <summary>
    /// Why <paramref name="saga"/> can no longer be cancelled, or null when it can (or is cancelled or being cancelled
    /// already: a cancel is idempotent). An order can be cancelled while it runs and its flow's <c>CancelUntil</c> step
    /// has not started, and once parked (its undo failed): then the undo is retried and the order ends cancelled.
    /// </summary>
    public static CancelRefusal? WhyNotCancellable(SagaState saga)
    {
        if (saga.Cancellation is not null)
        {
            return null;
        }

        if (saga.Status == SagaStatuses.Completed)
        {
            return new CancelRefusal("cancel-too-late", "The order is completed: it can no longer be cancelled.");
        }

        if (saga.Status is not (SagaStatuses.Running or SagaStatuses.NeedsAttention))
        {
            return new CancelRefusal("order-not-cancellable",
                $"The order is {saga.Status} ({saga.FailureReason}): it does not go ahead, so there is nothing to cancel.");
        }

        if (saga.Status == SagaStatuses.NeedsAttention)
        {
            return null; // it goes no further: cancelling retries its undo and ends it cancelled instead of failed
        }

        return saga.Definition.CancelUntil is { Length: > 0 } until
               && saga.Steps.FirstOrDefault(s => s.Name == until) is { Status: not (StepStatuses.Pending or StepStatuses.Skipped or StepStatuses.NotTaken) } cutoff
            ? new CancelRefusal("cancel-too-late", $"Step '{until}' is {cutoff.Status}: once it has started the order can no longer be cancelled.")
            : null;
    }

    /// <summary>
    /// The partner (or an operator) cancels a running order: what is done is undone, in reverse, and the order ends
    /// <c>cancelled</c>. A step in flight may have acted, so it is compensated too (its undo refuses a late action). A
    /// choreographed saga is taken over by the process API, which undoes it itself; since the participants may be
    /// further on than the events the process API has seen, every step of theirs not known to be settled is undone.
    /// Call only when <see cref="WhyNotCancellable"/> is null and <see cref="SagaState.Cancellation"/> is not set.
    /// </summary>
    public static SagaTransition Cancel(SagaState saga, OrderCancellation cancellation)
    {
        var takeOver = saga.Definition.Mode == FlowModes.Choreography && !saga.TakenOver;
        var participantsMayBeAhead = takeOver && saga.WaitingUntil is null && saga.Status == SagaStatuses.Running;
        foreach (var step in saga.Steps)
        {
            if (step.Status == StepStatuses.CompensationFailed)
            {
                step.Status = StepStatuses.Compensating; // a parked saga: its failed undo is due again, and the order ends cancelled
                continue;
            }

            var acts = saga.DefinitionOf(step).Operation is { Length: > 0 };
            if (step.Status is StepStatuses.Running or StepStatuses.AwaitingCallback || (participantsMayBeAhead && acts && step.Status == StepStatuses.Pending))
            {
                step.Status = StepStatuses.Faulted;
                step.Error = "not known whether it ran: the order was cancelled while it was under way";
            }
            else if (step.Status is StepStatuses.Pending or StepStatuses.Waiting or StepStatuses.AwaitingApproval)
            {
                step.Status = StepStatuses.Skipped;
            }
        }

        var reason = cancellation.Reason is { Length: > 0 } why ? $"cancelled by {cancellation.By}: {why}" : $"cancelled by {cancellation.By}";
        saga.Cancellation = cancellation;
        saga.TakenOver |= takeOver;
        saga.WaitingUntil = null;
        saga.Status = SagaStatuses.Compensating;
        saga.FailedStep = null;
        saga.FailureReason = reason;
        return new SagaTransition("cancel-requested", null, takeOver ? $"{reason}; the process API took the saga over to undo it" : reason,
            OrderEvents.Cancelling, VersionStep: takeOver ? TakeoverVersionGap : 1);
    }

    /// <summary>
    /// An operator retries the failed compensations of a parked saga: they are due again, and the saga compensates.
    /// A choreographed saga is taken over by the process API, which runs the compensation itself.
    /// </summary>
    public static SagaTransition RetryCompensation(SagaState saga, string by, string reason)
    {
        foreach (var step in saga.Steps.Where(s => s.Status == StepStatuses.CompensationFailed))
        {
            step.Status = StepStatuses.Compensating;
        }

        saga.Status = SagaStatuses.Compensating;
        var who = $"compensation retried by {by}: {reason}";
        return saga.Definition.Mode == FlowModes.Choreography && !saga.TakenOver
            ? TakeOver(saga, null, who) with { Kind = "operator-retry" }
            : new SagaTransition("operator-retry", null, who, null);
    }

    /// <summary>
    /// Why a parked saga cannot be driven forward from its failed step, or null when it can: only while nothing was
    /// undone yet, i.e. the one step whose undo failed is the step that failed and every step before it still stands
    /// (an undone step cannot be done again: its undo leaves the tombstone that refuses a late action).
    /// </summary>
    public static RedriveRefusal? WhyNotRedrivable(SagaState saga)
    {
        if (saga.Status != SagaStatuses.NeedsAttention)
        {
            return new RedriveRefusal("saga-not-parked", $"Saga '{saga.OrderId}' is {saga.Status}: only a parked ({SagaStatuses.NeedsAttention}) saga can be redriven.");
        }

        if (saga.Cancellation is not null)
        {
            return new RedriveRefusal("redrive-impossible", "The order was cancelled: retry its compensation instead.");
        }

        var failed = saga.Steps.FirstOrDefault(s => s.Name == saga.FailedStep);
        var undone = saga.Steps.Where(s => s.Status == StepStatuses.Compensated && saga.DefinitionOf(s).Compensation is { Length: > 0 }).Select(s => s.Name).ToList();
        var stuck = saga.Steps.Where(s => s.Status == StepStatuses.CompensationFailed).Select(s => s.Name).ToList();
        if (failed is null || failed.Status != StepStatuses.CompensationFailed || stuck.Count != 1 || undone.Count > 0)
        {
            return new RedriveRefusal("redrive-impossible",
                undone.Count > 0
                    ? $"Step(s) {string.Join(", ", undone)} were already undone, so the order cannot go forward again: retry the compensation (or cancel) instead."
                    : $"Only the failed step's own undo may have failed to redrive (failed step {saga.FailedStep ?? "none"}; undo failed for {string.Join(", ", stuck)}): retry the compensation instead.");
        }

        return null;
    }

    /// <summary>
    /// An operator drives a parked saga forward again once the cause is fixed: its failed step runs again, with the
    /// same idempotency key (so a call that did act the first time is answered, not repeated), and the saga goes on
    /// from there. A choreographed saga is taken over: the process API runs the rest. Call only when
    /// <see cref="WhyNotRedrivable"/> is null.
    /// </summary>
    public static SagaTransition Redrive(SagaState saga, string by, string reason)
    {
        var step = saga.Steps.Single(s => s.Name == saga.FailedStep);
        step.Status = StepStatuses.Pending;
        step.Error = null;
        saga.Status = SagaStatuses.Running;
        saga.FailedStep = null;
        saga.FailureReason = null;
        var takeOver = saga.Definition.Mode == FlowModes.Choreography && !saga.TakenOver;
        saga.TakenOver |= takeOver;
        return new SagaTransition("operator-redrive", step.Name, $"redriven by {by}: {reason}", OrderEvents.Processing,
            VersionStep: takeOver ? TakeoverVersionGap : 1);
    }

    /// <summary>
    /// The messages a transition publishes once saved as <paramref name="version"/>: its event (in orchestration
    /// mode only the saga's own outcome events; hybrid and choreography fan every step event out) and, for a parked
    /// saga, a message on the parking lot.
    /// </summary>
    public static List<OutboundMessage> MessagesFor(SagaState saga, SagaTransition transition, int version)
    {
        var messages = new List<OutboundMessage>();
        if (transition.EventName is { } name && (saga.Definition.Mode != FlowModes.Orchestration || ReservedEvents.Contains(name)))
        {
            messages.Add(Event(saga, name, version));
        }

        messages.AddRange(transition.AlsoPublish.Select(also => Event(saga, also, version)));

        if (transition.Parked)
        {
            messages.Add(new OutboundMessage($"{saga.OrderId}/{version}/parked", Topology.ParkingLotExchange, "", ParkedMessageType,
                Snapshot(saga, version)));
        }

        return messages;
    }

    /// <summary>A saga event: type <c>apiled.{name}.v2</c>, body the whole saga (readable as a v1 <see cref="SagaProgressEvent"/>).</summary>
    public static OutboundMessage Event(SagaState saga, string routingKey, int version) => new(
        $"{saga.OrderId}/{version}/{routingKey}", Topology.EventsExchange, routingKey, MessageTypes.SagaEvent(routingKey), Snapshot(saga, version),
        ChoreographyQueues.AlsoRouteTo(saga));

    /// <summary>The same key on every attempt and after every restart, in every mode: the system acts once.</summary>
    public static string IdempotencyKey(SagaState saga, string step, string operation) => $"{saga.OrderId}/{step}/{operation}";

    /// <summary>The saga as it stands, as version <paramref name="version"/>: frozen, so later changes to it are not sent.</summary>
    private static SerializedJson Snapshot(SagaState saga, int version)
    {
        var current = saga.Version;
        saga.Version = version;
        try
        {
            return SerializedJson.Of(saga);
        }
        finally
        {
            saga.Version = current;
        }
    }

    private static void Fail(SagaState saga, StepState step, string status, string reason)
    {
        step.Status = status;
        step.Error = reason;
        if (saga.Status == SagaStatuses.Running) // a parallel sibling that fails too does not hide the first failure
        {
            saga.Status = SagaStatuses.Compensating;
            saga.FailedStep = step.Name;
            saga.FailureReason = reason;
        }

        foreach (var later in saga.Steps.Where(s => s.Status == StepStatuses.Pending))
        {
            later.Status = StepStatuses.Skipped;
        }
    }
}
