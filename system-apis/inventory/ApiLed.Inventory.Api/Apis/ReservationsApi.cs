using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Inventory.Api.Apis;

public static class ReservationsApi
{
    public static IEndpointRouteBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/reservations").WithTags("Reservations");

        api.MapGet("/", async (InventoryStore store, CancellationToken ct) => TypedResults.Ok(await store.ListReservationsAsync(ct)))
            .WithSummary("Lists every reservation.");

        api.MapGet("/{orderId}", async (string orderId, InventoryStore store, CancellationToken ct) =>
                await store.FindReservationAsync(orderId, ct) is { } reservation
                    ? Results.Ok(reservation)
                    : Problems.Of(StatusCodes.Status404NotFound, "reservation-not-found", "No reservation for this order.", $"Order '{orderId}' has no reservation."))
            .WithSummary("Reads an order's reservation.")
            .Produces<ReservationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/", ReserveAsync)
            .WithSummary("Reserves every line of an order, all or nothing. Idempotent on the Idempotency-Key header and on the order id.")
            .Produces<ReservationResponse>(StatusCodes.Status201Created)
            .Produces<ReservationResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/{orderId}/release", (string orderId, HttpRequest http, InventoryStore store, IdempotentRequests idempotent, CancellationToken ct) =>
                idempotent.ExecuteAsync(http, "release", orderId, async (c, tx) =>
                    IdempotentOutcome.Json(StatusCodes.Status200OK, await store.ReleaseAsync(c, tx, orderId, ct)), ct))
            .WithSummary("Releases an order's reservation (compensation). Releasing twice, or an order never reserved, is harmless.")
            .Produces<ReservationResponse>();

        return app;
    }

    private static async Task<IResult> ReserveAsync(ReserveInventoryRequest request, HttpRequest http, InventoryStore store,
        IdempotentRequests idempotent, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(request.OrderId), "orderId", "An order id is required.")
            .Check(request.Lines is { Count: > 0 }, "lines", "At least one line is required.");
        errors.CheckEach(request.Lines, "lines", "A line is an object with a sku and a quantity; null is not a line.", (e, line, at) => e
            .Check(!string.IsNullOrWhiteSpace(line.Sku), at + ".sku", "A SKU is required.")
            .Check(line.Quantity > 0, at + ".quantity", "The quantity must be at least 1."));

        if (errors.Any)
        {
            return errors.ToResult();
        }

        return await idempotent.ExecuteAsync(http, "reserve", request, async (c, tx) => await store.ReserveAsync(c, tx, request, ct) switch
        {
            ReserveResult.Reserved { Existing: false } r => IdempotentOutcome.Json(StatusCodes.Status201Created, r.Reservation),
            ReserveResult.Reserved r => IdempotentOutcome.Json(StatusCodes.Status200OK, r.Reservation),
            ReserveResult.OutOfStock o => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "out-of-stock", "Not enough stock.",
                $"Not enough units available for: {string.Join(", ", o.Skus)}."),
            ReserveResult.UnknownSkus u => IdempotentOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "unknown-sku", "Unknown SKU.",
                $"No such SKU: {string.Join(", ", u.Skus)}."),
            ReserveResult.Closed c2 => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "reservation-closed", "The order's reservation is closed.",
                $"Order '{request.OrderId}' was already {c2.Reservation.Status}; it cannot be reserved again."),
            _ => throw new InvalidOperationException("Unexpected reservation result."),
        }, ct);
    }
}
