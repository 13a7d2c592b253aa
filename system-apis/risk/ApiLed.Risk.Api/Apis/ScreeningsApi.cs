using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Risk.Api.Apis;

public static class ScreeningsApi
{
    public static IEndpointRouteBuilder MapScreeningsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/screenings").WithTags("Screenings");

        api.MapGet("/", async (RiskStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)))
            .WithSummary("Lists every screening with its decision.");

        api.MapGet("/{orderId}", async (string orderId, RiskStore store, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } screening
                    ? Results.Ok(screening)
                    : Problems.Of(StatusCodes.Status404NotFound, "screening-not-found", "No screening for this order.", $"Order '{orderId}' was not screened."))
            .WithSummary("Reads an order's screening.")
            .Produces<ScreeningResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/", ScreenAsync)
            .WithSummary("Screens an order once: 201 allowed, 422 denied (with the reason). Idempotent on the Idempotency-Key header and on the order id.")
            .Produces<ScreeningResponse>(StatusCodes.Status201Created)
            .Produces<ScreeningResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/{orderId}/void", (string orderId, HttpRequest http, RiskStore store, IdempotentRequests idempotent, CancellationToken ct) =>
                idempotent.ExecuteAsync(http, "void", orderId, async (c, tx) =>
                    IdempotentOutcome.Json(StatusCodes.Status200OK, await store.VoidAsync(c, tx, orderId, ct)), ct))
            .WithSummary("Voids an order's screening (compensation). Voiding twice, or an order never screened, is harmless.")
            .Produces<ScreeningResponse>();

        return app;
    }

    private static async Task<IResult> ScreenAsync(ScreeningRequest request, HttpRequest http, RiskStore store, IdempotentRequests idempotent,
        CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(request.OrderId), "orderId", "An order id is required.")
            .Check(!string.IsNullOrWhiteSpace(request.PartnerId), "partnerId", "A partner id is required.")
            .Check(!string.IsNullOrWhiteSpace(request.CustomerId), "customerId", "A customer id is required.")
            .Check(request.TotalCents > 0, "totalCents", "The total must be positive.")
            .Check(request.Currency is { Length: 3 } && request.Currency.All(char.IsAsciiLetterUpper), "currency", "An ISO 4217 currency code (e.g. EUR) is required.")
            .Check(request.Country is { Length: 2 }, "country", "An ISO 3166 alpha-2 country code (e.g. GB) is required.");
        if (errors.Any)
        {
            return errors.ToResult();
        }

        return await idempotent.ExecuteAsync(http, "screen", request, async (c, tx) => await store.ScreenAsync(c, tx, request, ct) switch
        {
            { Status: ScreeningDecisions.Voided } s => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "screening-voided",
                "The order's screening was voided.", $"Order '{s.OrderId}' was voided; it cannot be screened again."),
            { Decision: ScreeningDecisions.Deny } s => IdempotentOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "order-denied",
                "The order was denied by risk screening.", $"Denied: {s.Reason}."),
            var s => IdempotentOutcome.Json(StatusCodes.Status201Created, s),
        }, ct);
    }
}
