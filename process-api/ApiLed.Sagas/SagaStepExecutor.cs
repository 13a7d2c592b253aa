using System.Diagnostics;
using ApiLed.ServiceDefaults.Telemetry;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.Sagas;

/// <summary>How compensations are retried before a saga is parked.</summary>
public sealed record CompensationPolicy
{
    public RetryDefinition Retry { get; init; } = new() { MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(300) };

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Calls the system operation of a saga action under its step policy, with the saga's stable idempotency key.
/// The orchestrator and the choreography participants both call through here, so a step behaves the same in
/// every mode.
/// </summary>
public sealed class SagaStepExecutor(DeclaredOperations operations, StepPolicies policies)
{
    /// <summary>Whether this process can run <paramref name="action"/>: the saga (or the catalogue) declares its operation.</summary>
    public bool CanRun(SagaState saga, SagaAction action) => action switch
    {
        SagaAction.Execute e => operations.CanRun(saga, e.Definition.Operation),
        SagaAction.Compensate { Definition.Compensation: { Length: > 0 } undo } => operations.CanRun(saga, undo),
        _ => true,
    };

    public Task<(StepOutcome Outcome, int Attempts)> ExecuteAsync(SagaState saga, SagaAction.Execute action, CancellationToken ct) =>
        CallAsync(saga, "step", action.Step.Name, action.Definition.Operation, action.Definition.Timeout, action.Definition.Retry, ct);

    public Task<(StepOutcome Outcome, int Attempts)> CompensateAsync(SagaState saga, SagaAction.Compensate action, CompensationPolicy policy,
        CancellationToken ct) =>
        string.IsNullOrEmpty(action.Definition.Compensation)
            ? Task.FromResult<(StepOutcome, int)>((new StepOutcome.Succeeded("nothing to undo"), 0))
            : CallAsync(saga, "undo", action.Step.Name, action.Definition.Compensation, policy.Timeout, policy.Retry, ct);

    /// <summary>One step's call (or its undo), every attempt included: a span <c>step {name}</c> / <c>undo {name}</c>, its duration and retries.</summary>
    private async Task<(StepOutcome Outcome, int Attempts)> CallAsync(SagaState saga, string kind, string step, string operation, TimeSpan timeout,
        RetryDefinition retry, CancellationToken ct)
    {
        using var activity = ApiLedTelemetry.Source.StartActivity($"{kind} {step}");
        activity?.SetTag("apiled.order_id", saga.OrderId);
        activity?.SetTag("apiled.step", step);
        activity?.SetTag("apiled.operation", operation);
        var started = Stopwatch.GetTimestamp();
        var (outcome, attempts) = await policies.ExecuteAsync(timeout, retry,
            token => operations.ExecuteAsync(saga, step, operation, SagaTransitions.IdempotencyKey(saga, step, operation), token), ct);
        var result = outcome switch
        {
            StepOutcome.Succeeded => "succeeded",
            StepOutcome.Rejected => "rejected",
            _ => "faulted",
        };
        SagaMetrics.StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", result));
        if (attempts > 1)
        {
            SagaMetrics.Retries.Add(attempts - 1, new KeyValuePair<string, object?>("operation", operation));
        }

        if (activity is not null)
        {
            activity.SetTag("apiled.attempts", attempts);
            activity.SetTag("apiled.outcome", result);
            if (outcome is not StepOutcome.Succeeded)
            {
                activity.SetStatus(ActivityStatusCode.Error, result);
            }
        }

        return (outcome, attempts);
    }
}
