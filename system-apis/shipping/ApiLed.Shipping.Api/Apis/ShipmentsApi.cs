using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Shipping.Api.Apis;

public static class ShipmentsApi
{
    public static IEndpointRouteBuilder MapShipmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/shipments").WithTags("Shipments");

        api.MapGet("/", async (ShippingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)))
            .WithSummary("Lists every shipment.");

        api.MapGet("/{orderId}", async (string orderId, ShippingStore store, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } shipment
                    ? Results.Ok(shipment)
                    : Problems.Of(StatusCodes.Status404NotFound, "shipment-not-found", "No shipment for this order.", $"Order '{orderId}' has no shipment."))
            .WithSummary("Reads an order's shipment.")
            .Produces<ShipmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/", CreateAsync)
            .WithSummary("Creates an order's shipment once. Idempotent on the Idempotency-Key header and on the order id.")
            .Produces<ShipmentResponse>(StatusCodes.Status201Created)
            .Produces<ShipmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/{orderId}/cancel", (string orderId, HttpRequest http, ShippingStore store, IdempotentRequests idempotent, CancellationToken ct) =>
                idempotent.ExecuteAsync(http, "cancel", orderId, async (c, tx) =>
                    IdempotentOutcome.Json(StatusCodes.Status200OK, await store.CancelAsync(c, tx, orderId, ct)), ct))
            .WithSummary("Cancels an order's shipment (compensation). Cancelling twice, or an order never shipped, is harmless.")
            .Produces<ShipmentResponse>();

        return app;
    }

    private static async Task<IResult> CreateAsync(CreateShipmentRequest request, HttpRequest http, ShippingStore store,
        IdempotentRequests idempotent, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(request.OrderId), "orderId", "An order id is required.")
            .Check(request.Lines is { Count: > 0 }, "lines", "At least one line is required.")
            .Check(request.ShipTo is not null, "shipTo", "A destination address is required.")
            .Check(request.ShipTo?.Country is { Length: 2 }, "shipTo.country", "An ISO 3166 alpha-2 country code is required.");
        errors.CheckEach(request.Lines, "lines", "A line is an object with a sku and a quantity; null is not a line.", (e, line, at) => e
            .Check(!string.IsNullOrWhiteSpace(line.Sku), at + ".sku", "A SKU is required.")
            .Check(line.Quantity > 0, at + ".quantity", "The quantity must be at least 1."));

        if (errors.Any)
        {
            return errors.ToResult();
        }

        return await idempotent.ExecuteAsync(http, "ship", request, async (c, tx) => await store.CreateAsync(c, tx, request, ct) switch
        {
            ShipmentResult.Created { Existing: false } r => IdempotentOutcome.Json(StatusCodes.Status201Created, r.Shipment),
            ShipmentResult.Created r => IdempotentOutcome.Json(StatusCodes.Status200OK, r.Shipment),
            ShipmentResult.NotServed n => IdempotentOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "destination-not-served",
                "The carrier does not deliver there.", $"No delivery service to country '{n.Country}'."),
            ShipmentResult.Closed closed => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "shipment-closed", "The order's shipment is closed.",
                $"Order '{request.OrderId}' was already {closed.Shipment.Status}; it cannot be shipped again."),
            _ => throw new InvalidOperationException("Unexpected shipment result."),
        }, ct);
    }
}
