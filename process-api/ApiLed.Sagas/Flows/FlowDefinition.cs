namespace ApiLed.Sagas.Flows;

/// <summary>How a flow is coordinated.</summary>
public static class FlowModes
{
    /// <summary>The process API calls each system API in turn and compensates on failure.</summary>
    public const string Orchestration = "orchestration";

    /// <summary>No coordinator: participants react to each other's events.</summary>
    public const string Choreography = "choreography";

    /// <summary>202 accept, orchestrated core saga, choreographed fan-out of every step and outcome event (the default).</summary>
    public const string Hybrid = "hybrid";

    public static readonly IReadOnlyList<string> All = [Orchestration, Choreography, Hybrid];
}

/// <summary>One flow: its mode and ordered steps. Sagas keep the definition they started with.</summary>
public sealed record FlowDefinition
{
    public string Mode { get; init; } = FlowModes.Hybrid;

    public List<StepDefinition> Steps { get; init; } = [];

    /// <summary>
    /// Partners may cancel an order until this step has started (e.g. <c>ship</c>); from then on a cancel answers 409.
    /// Unset: until the order is done.
    /// </summary>
    public string? CancelUntil { get; init; }

    /// <summary>
    /// The operations the steps and their compensations call, by qualified name (<c>billing.charge</c>), as declared
    /// when the saga started: a saga carries them, so participants need no catalogue and a reload changes new orders only.
    /// </summary>
    public Dictionary<string, OperationDefinition> Operations { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>A step: the system operation it calls, the one that undoes it, its time budget, retries and events.</summary>
public sealed record StepDefinition
{
    public string Name { get; init; } = "";

    public string Operation { get; init; } = "";

    /// <summary>
    /// A condition (see <c>FlowCondition</c>) over the order, the partner and earlier steps' results: the step runs only
    /// when it holds, and is otherwise <c>not-taken</c>. Decided when the step before it has succeeded (or at the start).
    /// </summary>
    public string? When { get; init; }

    /// <summary>
    /// In the flows file only: this entry is a choice between branches instead of a step. The first branch whose
    /// <c>When</c> holds runs its steps; <c>Otherwise</c> runs when none does. A saga's definition holds the branches'
    /// steps in line, each with the condition of its branch.
    /// </summary>
    public ChoiceDefinition? Choice { get; init; }

    /// <summary>
    /// In the flows file only: this entry runs branches of steps side by side and joins them (see <see cref="ParallelDefinition"/>).
    /// A saga's definition holds the branches' steps in line, each with its <see cref="Group"/> and <see cref="Lane"/>.
    /// </summary>
    public ParallelDefinition? Parallel { get; init; }

    /// <summary>In a saga's definition: the parallel entry this step runs in (its name), if any.</summary>
    public string? Group { get; init; }

    /// <summary>In a saga's definition: the branch of <see cref="Group"/> this step runs in (0, 1, ...).</summary>
    public int Lane { get; init; }

    /// <summary>A human approval instead of an operation: the order waits for an operator's decision (see <see cref="ApprovalDefinition"/>).</summary>
    public ApprovalDefinition? Approval { get; init; }

    /// <summary>The step's operation hands an external system a token, then the step waits for its callback (see <see cref="CallbackDefinition"/>).</summary>
    public CallbackDefinition? Callback { get; init; }

    /// <summary>A timer step instead of an operation: the saga waits, durably, then goes on (see <see cref="WaitDefinition"/>).</summary>
    public WaitDefinition? Wait { get; init; }

    /// <summary>The operation that undoes this step: unset, the operation's own <c>Undo</c>; empty for a step with nothing to undo.</summary>
    public string? Compensation { get; init; }

    /// <summary>Time budget of the whole step, retries included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public RetryDefinition Retry { get; init; } = new();

    public StepEvents Events { get; init; } = new();
}

public sealed record RetryDefinition
{
    /// <summary>Attempts in all (1 = no retry) for transient faults: timeouts, 5xx, 408, 429, refused connections.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First backoff; it doubles each time, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Routing keys published on the events exchange when the step succeeds, fails or is compensated.</summary>
public sealed record StepEvents
{
    public string? Succeeded { get; init; }

    public string? Failed { get; init; }

    public string? Compensated { get; init; }
}

/// <summary>A choice between branches (MuleSoft's <c>choice</c> router).</summary>
public sealed record ChoiceDefinition
{
    public List<ChoiceBranch> Branches { get; init; } = [];

    /// <summary>The steps run when no branch's condition holds (may be empty).</summary>
    public List<StepDefinition> Otherwise { get; init; } = [];
}

/// <summary>One branch of a choice: its condition and its steps.</summary>
public sealed record ChoiceBranch
{
    public string When { get; init; } = "";

    public List<StepDefinition> Steps { get; init; } = [];
}

/// <summary>
/// A timer: wait <see cref="For"/> a duration, or <see cref="Until"/> a time (a template, e.g. <c>${steps.quote.result.validFrom}</c>).
/// The wait starts when the step before it has succeeded and survives restarts of every service: the process API's
/// recovery scan ends it when it is due, in every mode.
/// </summary>
public sealed record WaitDefinition
{
    public TimeSpan? For { get; init; }

    public string? Until { get; init; }
}

/// <summary>
/// A human approval: the order pauses (status <c>awaiting-approval</c>) until an operator of <see cref="Group"/> approves
/// or rejects it (<c>POST /api/v1/approvals/{orderId}/approve</c> or <c>/reject</c>); at the <see cref="Deadline"/> the
/// <see cref="OnDeadline"/> action is taken. Durable: the decision and the deadline are stored with the saga.
/// </summary>
public sealed record ApprovalDefinition
{
    /// <summary>Who decides (shown with the pending approval).</summary>
    public string Group { get; init; } = "operators";

    /// <summary>How long the order waits for a decision.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(24);

    /// <summary>At the deadline: <c>reject</c> (and compensate), <c>approve</c>, or <c>escalate</c> to <see cref="EscalateTo"/>.</summary>
    public string OnDeadline { get; init; } = ApprovalDeadlines.Reject;

    /// <summary>The group an escalated approval is handed to, with a new deadline as long; if it passes too, the order is rejected.</summary>
    public string? EscalateTo { get; init; }
}

/// <summary>What happens to an approval nobody decided in time.</summary>
public static class ApprovalDeadlines
{
    public const string Reject = "reject";
    public const string Approve = "approve";
    public const string Escalate = "escalate";

    public static readonly IReadOnlyList<string> All = [Reject, Approve, Escalate];
}
