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

        api.MapPost("/{orderId}/retry-compensation", async (string orderId, SagaStore store, SagaRunner runner,
                IHostApplicationLifetime lifetime, CancellationToken ct) =>
            {
                var saga = await store.FindAsync(orderId, ct);
                if (saga is null)
                {
                    return Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga.");
                }

                if (saga.Status != SagaStatuses.NeedsAttention)
                {
                    return Problems.Of(StatusCodes.Status409Conflict, "saga-not-parked", "Only a parked saga can be retried.",
                        $"Saga '{orderId}' is {saga.Status}, not {SagaStatuses.NeedsAttention}.");
                }

                try
                {
                    await store.RecordAsync(saga, SagaTransitions.RetryCompensation(saga), ct);
                }
                catch (SagaConcurrencyException)
                {
                    return Problems.Of(StatusCodes.Status409Conflict, "saga-changed", "The saga changed while it was being retried.",
                        $"Saga '{orderId}' changed meanwhile; read it again and retry if it is still parked.");
                }

                // The process API runs the compensation itself, a choreographed saga included (it took it over).
                runner.RunInBackground(orderId, lifetime.ApplicationStopping);
                return TypedResults.Accepted($"/api/v1/sagas/{orderId}");
            })
            .WithSummary("Retries the failed compensations of a parked (needs-attention) saga, once its cause is fixed.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

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
