using ApiLed.Contracts;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Apis;

public static class SagasApi
{
    public static IEndpointRouteBuilder MapSagasApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/sagas").WithTags("Sagas");

        api.MapGet("/", async (string? status, int? limit, SagaStore store, CancellationToken ct) =>
            {
                var sagas = await store.ListAsync(status, Math.Clamp(limit ?? 50, 1, 500), ct);
                return TypedResults.Ok(sagas.Select(s => new SagaSummary(s.OrderId, s.Flow, s.Status, s.FailureReason, s.UpdatedAt)));
            })
            .WithSummary("Lists sagas, newest first; filter with ?status=needs-attention to see what waits for a person.");

        api.MapGet("/{orderId}", async (string orderId, SagaStore store, QueueObservations queues, IOptions<SagaOptions> options,
                TimeProvider time, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } saga
                    ? Results.Ok(ToView(saga, await store.HistoryAsync(orderId, ct), WaitingOf(saga, queues, options.Value, time)))
                    : Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga (yet)."))
            .WithSummary("Shows an order's saga: its status, each step and the full history of transitions.")
            .Produces<SagaView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/search", SearchAsync)
            .WithSummary("Finds sagas by partner, customer, order id (or its start), correlation id, flow, mode, status, failed step and start time (from, to), newest first, a page at a time: pass the nextCursor of a page as cursor for the next.")
            .Produces<SagaPage>()
            .ProducesValidationProblem();

        api.MapGet("/{orderId}/timeline", async (string orderId, SagaStore store, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } saga
                    ? Results.Ok(SagaTimelines.Build(saga, await store.HistoryAsync(orderId, ct)))
                    : Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga (yet)."))
            .WithSummary("An order's timeline, the same for every mode: steps, events, retries, compensations, waits and operator actions with their times and durations, and its trace id.")
            .Produces<SagaTimeline>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{orderId}/retry-compensation", (string orderId, OperatorActionRequest request, SagaStore store, SagaRunner runner,
                IHostApplicationLifetime lifetime, CancellationToken ct) =>
                ActAsync(orderId, request, store, runner, lifetime, WhyNotRetriable, SagaTransitions.RetryCompensation, ct))
            .WithSummary("Retries the failed compensations of a parked (needs-attention) saga once its cause is fixed; it ends failed. Who and why are recorded in its history.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{orderId}/redrive", (string orderId, OperatorActionRequest request, SagaStore store, SagaRunner runner,
                IHostApplicationLifetime lifetime, CancellationToken ct) =>
                ActAsync(orderId, request, store, runner, lifetime, SagaTransitions.WhyNotRedrivable, SagaTransitions.Redrive, ct))
            .WithSummary("Drives a parked saga forward again from its failed step once the cause is fixed (only while nothing was undone yet); it goes on to complete. Who and why are recorded in its history.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    // A page of the sagas the filter selects, newest first (limit 1–200, default 50), after the cursor (summary: at its mapping).
    private static async Task<IResult> SearchAsync([AsParameters] SagaFilter filter, string? cursor, int? limit, SagaStore store, CancellationToken ct)
    {
        var after = SagaCursor.Read(cursor);
        var query = filter.Normalized();
        var errors = new FieldErrors()
            .Check(limit is null or (>= 1 and <= 200), "limit", "The page size is 1 to 200.")
            .Check(cursor is null || after is not null, "cursor", "The cursor is not one a page of this search returned.")
            .Check(query.Mode is null or FlowModes.Orchestration or FlowModes.Choreography or FlowModes.Hybrid, "mode", "The mode is orchestration, choreography or hybrid.")
            .Check(query.From is null || query.To is null || query.From < query.To, "from", "from is before to.");
        if (errors.Any)
        {
            return errors.ToResult();
        }

        var size = limit ?? 50;
        var sagas = await store.SearchAsync(query, after, size + 1, ct);
        var page = sagas.Take(size).Select(ToListItem).ToList();
        return TypedResults.Ok(new SagaPage(page, sagas.Count > size ? SagaCursor.Write(page[^1].CreatedAt, page[^1].OrderId) : null));
    }

    /// <summary>An operator's action on one saga: checked, recorded with who and why (optimistic on its version), then run in the background.</summary>
    internal static async Task<IResult> ActAsync(string orderId, OperatorActionRequest request, SagaStore store, SagaRunner runner,
        IHostApplicationLifetime lifetime, Func<SagaState, RedriveRefusal?> refusal, Func<SagaState, string, string, SagaTransition> act, CancellationToken ct)
    {
        if (request.Validate() is { Any: true } errors)
        {
            return errors.ToResult();
        }

        var saga = await store.FindAsync(orderId, ct);
        if (saga is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga.");
        }

        if (refusal(saga) is { } refused)
        {
            return Problems.Of(StatusCodes.Status409Conflict, refused.Type, "This action does not apply to the saga as it stands.", refused.Detail);
        }

        try
        {
            await store.RecordAsync(saga, act(saga, request.By!.Trim(), request.Reason!.Trim()), ct);
        }
        catch (SagaConcurrencyException)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "saga-changed", "The saga changed while the action was being taken.",
                $"Saga '{orderId}' changed meanwhile; read it again and act if it still applies.");
        }

        // The process API runs it itself, a choreographed saga included (it took it over).
        runner.RunInBackground(orderId, lifetime.ApplicationStopping);
        return TypedResults.Accepted($"/api/v1/sagas/{orderId}");
    }

    /// <summary>Only a parked saga's failed compensation can be retried.</summary>
    internal static RedriveRefusal? WhyNotRetriable(SagaState saga) => saga.Status == SagaStatuses.NeedsAttention ? null
        : new RedriveRefusal("saga-not-parked", $"Saga '{saga.OrderId}' is {saga.Status}, not {SagaStatuses.NeedsAttention}: only a parked saga's compensation can be retried.");

    internal static SagaListItem ToListItem(SagaState s) => new(s.OrderId, s.Flow, s.Definition.Mode, s.Status, s.Order.PartnerId, s.Order.CustomerId,
        s.CorrelationId, s.TraceId, s.FailedStep, s.FailureReason, s.CreatedAt, s.UpdatedAt, SagaTimelines.NextAction(s));

    /// <summary>What an unfinished choreographed saga waits for, as stall detection sees it; null for any other saga.</summary>
    private static SagaWaiting? WaitingOf(SagaState saga, QueueObservations queues, SagaOptions options, TimeProvider time) =>
        SagaTransitions.Next(saga) switch
        {
            // In every mode: a timer or an approval, kept by the process API's clock.
            SagaAction.Wait wait => new SagaWaiting(wait.Step.Name, null, $"the timer, due at {wait.DueAt:O}", saga.UpdatedAt),
            SagaAction.AwaitApproval approval => new SagaWaiting(approval.Step.Name, null,
                $"an approval by {PendingApproval.From(approval.Step)?.Group ?? approval.Definition.Approval?.Group} (POST /api/v1/approvals/{saga.OrderId}/approve or /reject), deadline {approval.Deadline:O}",
                saga.UpdatedAt),
            SagaAction.AwaitCallback callback => new SagaWaiting(callback.Step.Name, null,
                $"a callback from an external system (POST /api/v1/callbacks/{{token}}/succeed or /fail), deadline {callback.Deadline:O}", saga.UpdatedAt),
            _ when !saga.DrivenByProcessApi && !SagaStatuses.IsTerminal(saga.Status)
                   && ChoreographyStallRule.Evaluate(saga, time.GetUtcNow(), queues, options) is StallVerdict.Waiting waiting =>
                new SagaWaiting(waiting.Step, waiting.System, waiting.What, saga.UpdatedAt),
            _ => null,
        };

    private static SagaView ToView(SagaState saga, IReadOnlyList<SagaHistoryEntry> history, SagaWaiting? waiting) => new(
        saga.OrderId, saga.Flow, saga.Definition.Mode, saga.Status, saga.Version, saga.FailedStep, saga.FailureReason,
        saga.CorrelationId, saga.CreatedAt, saga.UpdatedAt, saga.TakenOver, waiting,
        [.. saga.Steps.Select(s =>
        {
            var definition = saga.DefinitionOf(s);
            return new SagaStepDetail(s.Name, definition.Operation, definition.Compensation, s.Status, s.Attempts, s.Error, s.Result);
        })],
        history);
}
