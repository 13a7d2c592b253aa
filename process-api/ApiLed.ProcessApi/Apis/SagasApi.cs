using ApiLed.Contracts;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>A saga as operators see it: steps with their operations, and the full history.</summary>
public sealed record SagaView(
    string OrderId, string Flow, string Mode, string Status, int Version, string? FailedStep, string? FailureReason,
    string? CorrelationId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    IReadOnlyList<SagaStepDetail> Steps, IReadOnlyList<SagaHistoryEntry> History);

public sealed record SagaStepDetail(string Name, string Operation, string? Compensation, string Status, int Attempts, string? Error);

public sealed record SagaSummary(string OrderId, string Flow, string Status, string? FailureReason, DateTimeOffset UpdatedAt);

public static class SagasApi
{
    /// <summary>Published when an operator retries a parked choreographed saga; its participants take it from there.</summary>
    public const string RetryEvent = "saga.compensation-retried";

    public static IEndpointRouteBuilder MapSagasApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/sagas").WithTags("Sagas");

        api.MapGet("/", async (string? status, int? limit, SagaStore store, CancellationToken ct) =>
            {
                var sagas = await store.ListAsync(status, Math.Clamp(limit ?? 50, 1, 500), ct);
                return TypedResults.Ok(sagas.Select(s => new SagaSummary(s.OrderId, s.Flow, s.Status, s.FailureReason, s.UpdatedAt)));
            })
            .WithSummary("Lists sagas, newest first; filter with ?status=needs-attention to see what waits for a person.");

        api.MapGet("/{orderId}", async (string orderId, SagaStore store, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } saga
                    ? Results.Ok(ToView(saga, await store.HistoryAsync(orderId, ct)))
                    : Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga (yet)."))
            .WithSummary("Shows an order's saga: its status, each step and the full history of transitions.")
            .Produces<SagaView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{orderId}/retry-compensation", async (string orderId, SagaStore store, SagaRunner runner,
                IHostApplicationLifetime lifetime, TimeProvider time, CancellationToken ct) =>
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

                foreach (var step in saga.Steps.Where(s => s.Status == StepStatuses.CompensationFailed))
                {
                    step.Status = StepStatuses.Compensating;
                }

                saga.Status = SagaStatuses.Compensating;
                saga.UpdatedAt = time.GetUtcNow();
                var choreographed = saga.Definition.Mode == FlowModes.Choreography;
                // A choreographed saga is handed back to its participants by an event carrying its state.
                IReadOnlyList<ApiLed.Messaging.OutboundMessage> handBack = choreographed
                    ? [SagaTransitions.Event(saga, RetryEvent, saga.Version + 1)]
                    : [];
                await store.SaveAsync(saga, new SagaHistoryEntry(saga.UpdatedAt, "operator-retry", null, "compensation retried by an operator"), handBack, ct);
                if (!choreographed)
                {
                    _ = Task.Run(() => runner.TryRunAsync(orderId, lifetime.ApplicationStopping), CancellationToken.None);
                }

                return TypedResults.Accepted($"/api/v1/sagas/{orderId}");
            })
            .WithSummary("Retries the failed compensations of a parked (needs-attention) saga, once its cause is fixed.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    private static SagaView ToView(SagaState saga, IReadOnlyList<SagaHistoryEntry> history) => new(
        saga.OrderId, saga.Flow, saga.Definition.Mode, saga.Status, saga.Version, saga.FailedStep, saga.FailureReason,
        saga.CorrelationId, saga.CreatedAt, saga.UpdatedAt,
        [.. saga.Steps.Select(s =>
        {
            var definition = saga.DefinitionOf(s);
            return new SagaStepDetail(s.Name, definition.Operation, definition.Compensation, s.Status, s.Attempts, s.Error);
        })],
        history);
}
