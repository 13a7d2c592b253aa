using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>Operators' actions on many sagas at once: start one on a filtered selection, then follow its progress.</summary>
public static class BulkActionsApi
{
    public static IEndpointRouteBuilder MapBulkActionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/bulk-actions").WithTags("Bulk actions");

        api.MapPost("/", async Task<IResult> (BulkActionRequest request, BulkActions bulk, CancellationToken ct) =>
            {
                if (request.Validate() is { Any: true } errors)
                {
                    return errors.ToResult();
                }

                var view = await bulk.StartAsync(request, ct);
                return TypedResults.Accepted($"/api/v1/bulk-actions/{view.Id}", view);
            })
            .WithSummary("Redrives, retries the compensation of, or cancels every saga the filter selects (up to 10,000), perSecond at a time; answers at once with its id.")
            .Produces<BulkActionView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        api.MapGet("/", async (BulkActions bulk, CancellationToken ct) => TypedResults.Ok(await bulk.RecentAsync(ct)))
            .WithSummary("The 100 newest bulk actions, newest first (kept in the store: every instance answers for them).");

        api.MapGet("/{id}", async Task<IResult> (string id, BulkActions bulk, CancellationToken ct) => await bulk.FindAsync(id, ct) is { } view
                ? TypedResults.Ok(view)
                : Problems.Of(StatusCodes.Status404NotFound, "bulk-action-not-found", "No such bulk action.", $"No bulk action '{id}'."))
            .WithSummary("A bulk action's progress: how many sagas it took, how many succeeded, and each one that failed with why.")
            .Produces<BulkActionView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
