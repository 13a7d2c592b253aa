using ApiLed.Contracts;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Cancels an order's saga (<c>POST /api/v1/sagas/{orderId}/cancel</c>): the experience API calls it for a partner's
/// <c>POST /api/v1/orders/{id}/cancel</c>, operators may call it directly. A running order is undone in reverse and ends
/// <c>cancelled</c>; one whose flow's <c>CancelUntil</c> step has started, or that is done, answers 409; a repeat answers as the first.
/// </summary>
public static class CancellationsApi
{
    /// <summary>How often a cancel reads the saga again when it changed under it (a step finished meanwhile) before it gives up with 409.</summary>
    private const int MaxAttempts = 5;

    public static IEndpointRouteBuilder MapCancellationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/sagas/{orderId}/cancel", CancelAsync)
            .WithTags("Sagas")
            .WithSummary("Cancels an order: what was done is undone and it ends cancelled; 409 once its flow's CancelUntil step has started or it is done.")
            .Produces<SagaCancellationView>(StatusCodes.Status202Accepted)
            .Produces<SagaCancellationView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    internal static async Task<IResult> CancelAsync(string orderId,
        SagaCancelRequest request, SagaStore store, SagaRunner runner, TimeProvider time, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(request.By) && request.By.Length <= 200, "by", "Who cancels is required (at most 200 characters).")
            .Check((request.Reason?.Length ?? 0) <= 2000, "reason", "The reason is at most 2000 characters.");
        if (errors.Any)
        {
            return errors.ToResult();
        }

        var cancellation = new OrderCancellation(time.GetUtcNow(), request.By!.Trim(), string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim());
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var saga = await store.FindAsync(orderId, ct);
            if (saga is null)
            {
                if (await store.CancelBeforeStartAsync(orderId, cancellation, ct))
                {
                    return TypedResults.Accepted($"/api/v1/sagas/{orderId}", new SagaCancellationView(orderId, "cancelling", 0, cancellation));
                }

                continue; // it started meanwhile
            }

            if (saga.Cancellation is { } earlier)
            {
                var view = new SagaCancellationView(orderId, StatusOf(saga), saga.Version, earlier);
                return saga.Status == SagaStatuses.Cancelled ? TypedResults.Ok(view) : TypedResults.Accepted($"/api/v1/sagas/{orderId}", view);
            }

            if (SagaTransitions.WhyNotCancellable(saga) is { } refusal)
            {
                return Problems.Of(StatusCodes.Status409Conflict, refusal.Type, "The order can no longer be cancelled.", refusal.Detail);
            }

            try
            {
                await store.RecordAsync(saga, SagaTransitions.Cancel(saga, cancellation), ct);
            }
            catch (SagaConcurrencyException)
            {
                continue; // a step moved on meanwhile: decide again on what it says now
            }

            // The process API undoes it in every mode (a choreographed saga was taken over); a run in progress here picks the change up.
            runner.RunInBackground(orderId, lifetime.ApplicationStopping);
            return TypedResults.Accepted($"/api/v1/sagas/{orderId}", new SagaCancellationView(orderId, StatusOf(saga), saga.Version, cancellation));
        }

        return Problems.Of(StatusCodes.Status409Conflict, "saga-changed", "The order kept changing while it was being cancelled.",
            $"Order '{orderId}' changed {MaxAttempts} times meanwhile; send the cancel again.");
    }

    private static string StatusOf(SagaState saga) => saga.Status == SagaStatuses.Cancelled ? "cancelled" : "cancelling";
}
