using ApiLed.Sagas;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas.SystemApis;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>Saga settings (section <c>Saga</c>).</summary>
public sealed record SagaOptions
{
    public const string Section = "Saga";

    /// <summary>Retries of a failing compensation before the saga is parked as needs-attention.</summary>
    public ApiLed.Sagas.Flows.RetryDefinition CompensationRetry { get; init; } = new() { MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(300) };

    /// <summary>Time budget of one compensation, retries included.</summary>
    public TimeSpan CompensationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often unfinished sagas that nothing is running are looked for and resumed.</summary>
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Sagas resumed at once by the recovery scan.</summary>
    public int RecoveryConcurrency { get; init; } = 4;
}

/// <summary>
/// Runs an order's saga from wherever its persisted state says it is: the flow's steps in order, then on a
/// failure the compensations of every step that did (or may have) take effect, in reverse order. Each transition
/// is saved with its events before the next call, so a crash at any point resumes here without acting twice
/// (every call carries the same Idempotency-Key on every attempt). A compensation that keeps failing parks the
/// saga as needs-attention and tells the parking-lot queue.
/// </summary>
public sealed class OrderFulfillmentSaga(
    SagaStore store,
    SystemOperations operations,
    StepPolicies policies,
    IOptions<SagaOptions> options,
    TimeProvider time,
    ILogger<OrderFulfillmentSaga> logger)
{
    public const string ProcessingEvent = "order.processing";
    public const string CompletedEvent = "order.completed";
    public const string FailedEvent = "order.failed";
    public const string NeedsAttentionEvent = "order.needs-attention";
    public const string ParkedMessageType = "apiled.saga.needs-attention.v1";

    private static readonly System.Diagnostics.Metrics.Counter<long> Outcomes =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.sagas.finished", description: "Sagas that reached a terminal status, by status.");

    public async Task RunAsync(SagaState saga, CancellationToken ct)
    {
        using var activity = ApiLedTelemetry.Source.StartActivity("saga " + saga.Flow);
        activity?.SetTag("apiled.order_id", saga.OrderId);
        while (!SagaStatuses.IsTerminal(saga.Status))
        {
            ct.ThrowIfCancellationRequested();
            if (saga.Status == SagaStatuses.Running)
            {
                await AdvanceAsync(saga, ct);
            }
            else
            {
                await CompensateNextAsync(saga, ct);
            }
        }

        activity?.SetTag("apiled.saga_status", saga.Status);
        Outcomes.Add(1, new KeyValuePair<string, object?>("status", saga.Status));
    }

    /// <summary>Builds the event published when the saga's next saved version is <paramref name="saga"/> as it is now.</summary>
    public static OutboundMessage Event(SagaState saga, string routingKey, int version) => new(
        $"{saga.OrderId}/{version}/{routingKey}", Topology.EventsExchange, routingKey, MessageTypes.SagaEvent(routingKey),
        saga.ToEvent() with { Version = version });

    private async Task AdvanceAsync(SagaState saga, CancellationToken ct)
    {
        var step = saga.Steps.FirstOrDefault(s => s.Status is StepStatuses.Pending or StepStatuses.Running);
        if (step is null)
        {
            saga.Status = SagaStatuses.Completed;
            await TransitionAsync(saga, "saga-completed", null, "every step succeeded", [CompletedEvent], ct);
            return;
        }

        var definition = saga.DefinitionOf(step);
        var resumed = step.Status == StepStatuses.Running;
        step.Status = StepStatuses.Running;
        await TransitionAsync(saga, resumed ? "step-resumed" : "step-started", step.Name, definition.Operation, [], ct);

        var (outcome, attempts) = await policies.ExecuteAsync(definition.Timeout, definition.Retry,
            token => operations.ExecuteAsync(definition.Operation, saga.Order, IdempotencyKey(saga, step.Name, definition.Operation), token), ct);
        step.Attempts += attempts;

        switch (outcome)
        {
            case StepOutcome.Succeeded succeeded:
                step.Status = StepStatuses.Succeeded;
                step.Result = succeeded.Detail is { Length: > 2000 } detail ? detail[..2000] : succeeded.Detail;
                await TransitionAsync(saga, "step-succeeded", step.Name, $"after {attempts} call(s)", [definition.Events.Succeeded], ct);
                break;
            case StepOutcome.Rejected rejected:
                Fail(saga, step, StepStatuses.Rejected, rejected.Reason);
                await TransitionAsync(saga, "step-rejected", step.Name, rejected.Reason, [definition.Events.Failed], ct);
                break;
            case StepOutcome.Faulted faulted:
                Fail(saga, step, StepStatuses.Faulted, faulted.Reason);
                await TransitionAsync(saga, "step-faulted", step.Name, $"{faulted.Reason} (after {attempts} call(s))", [definition.Events.Failed], ct);
                break;
        }
    }

    private async Task CompensateNextAsync(SagaState saga, CancellationToken ct)
    {
        var step = saga.Steps.LastOrDefault(s => s.NeedsCompensation);
        if (step is null)
        {
            saga.Status = SagaStatuses.Failed;
            await TransitionAsync(saga, "saga-failed", saga.FailedStep, saga.FailureReason, [FailedEvent], ct);
            return;
        }

        var definition = saga.DefinitionOf(step);
        if (string.IsNullOrEmpty(definition.Compensation))
        {
            step.Status = StepStatuses.Compensated;
            await TransitionAsync(saga, "step-compensated", step.Name, "nothing to undo", [], ct);
            return;
        }

        var resumed = step.Status == StepStatuses.Compensating;
        step.Status = StepStatuses.Compensating;
        await TransitionAsync(saga, resumed ? "compensation-resumed" : "compensation-started", step.Name, definition.Compensation, [], ct);

        var retry = options.Value.CompensationRetry;
        var (outcome, attempts) = await policies.ExecuteAsync(options.Value.CompensationTimeout, retry,
            token => operations.ExecuteAsync(definition.Compensation, saga.Order, IdempotencyKey(saga, step.Name, definition.Compensation), token), ct);
        step.Attempts += attempts;

        if (outcome is StepOutcome.Succeeded)
        {
            step.Status = StepStatuses.Compensated;
            await TransitionAsync(saga, "step-compensated", step.Name, definition.Compensation, [definition.Events.Compensated], ct);
            return;
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
        logger.LogError("Saga {OrderId} parked: compensation {Operation} of step {Step} failed after {Attempts} call(s): {Reason}",
            saga.OrderId, definition.Compensation, step.Name, attempts, reason);
        var parked = new OutboundMessage($"{saga.OrderId}/{saga.Version + 1}/parked", Topology.ParkingLotExchange, "",
            ParkedMessageType, saga.ToEvent() with { Version = saga.Version + 1 });
        await TransitionAsync(saga, "saga-parked", step.Name, $"{definition.Compensation} failed after {attempts} call(s): {reason}",
            [NeedsAttentionEvent], ct, parked);
    }

    private static void Fail(SagaState saga, StepState step, string status, string reason)
    {
        step.Status = status;
        step.Error = reason;
        saga.Status = SagaStatuses.Compensating;
        saga.FailedStep = step.Name;
        saga.FailureReason = reason;
        foreach (var later in saga.Steps.Where(s => s.Status == StepStatuses.Pending))
        {
            later.Status = StepStatuses.Skipped;
        }
    }

    private Task TransitionAsync(SagaState saga, string kind, string? step, string? detail, IEnumerable<string?> events,
        CancellationToken ct, OutboundMessage? extra = null)
    {
        saga.UpdatedAt = time.GetUtcNow();
        var version = saga.Version + 1;
        var messages = events.OfType<string>().Select(e => Event(saga, e, version)).ToList();
        if (extra is not null)
        {
            messages.Add(extra);
        }

        logger.LogInformation("Saga {OrderId} v{Version}: {Kind} {Step} {Detail}", saga.OrderId, version, kind, step, detail);
        // A transition already decided is saved even while the host stops, so state never lags a call that was made.
        return store.SaveAsync(saga, new SagaHistoryEntry(saga.UpdatedAt, kind, step, detail), messages, CancellationToken.None);
    }

    /// <summary>The same key on every attempt and after every restart: the system acts once.</summary>
    public static string IdempotencyKey(SagaState saga, string step, string operation) => $"{saga.OrderId}/{step}/{operation}";
}
