using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.Billing.Api.Apis;

public static class ChargesApi
{
    public static IEndpointRouteBuilder MapChargesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/charges").WithTags("Charges");

        api.MapGet("/", async (BillingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)))
            .WithSummary("Lists every charge with its refunded amount.");

        api.MapGet("/{orderId}", async (string orderId, BillingStore store, CancellationToken ct) =>
                await store.FindAsync(orderId, ct) is { } charge
                    ? Results.Ok(charge)
                    : Problems.Of(StatusCodes.Status404NotFound, "charge-not-found", "No charge for this order.", $"Order '{orderId}' has no charge."))
            .WithSummary("Reads an order's charge.")
            .Produces<ChargeResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/", ChargeAsync)
            .WithSummary("Charges an order once. Idempotent on the Idempotency-Key header and on the order id; a decline is 402.")
            .Produces<ChargeResponse>(StatusCodes.Status201Created)
            .Produces<ChargeResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/{orderId}/refund", (string orderId, HttpRequest http, BillingStore store, IdempotentRequests idempotent, CancellationToken ct) =>
                idempotent.ExecuteAsync(http, "refund", orderId, async (c, tx) =>
                    IdempotentOutcome.Json(StatusCodes.Status200OK, await store.RefundAsync(c, tx, orderId, ct)), ct))
            .WithSummary("Refunds an order's charge in full (compensation). Refunding twice, or an order never charged, is harmless.")
            .Produces<ChargeResponse>();

        return app;
    }

    private static async Task<IResult> ChargeAsync(ChargeRequest request, HttpRequest http, BillingStore store,
        IdempotentRequests idempotent, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(request.OrderId), "orderId", "An order id is required.")
            .Check(!string.IsNullOrWhiteSpace(request.PaymentReference), "paymentReference", "A payment reference is required.")
            .Check(request.AmountCents > 0, "amountCents", "The amount must be positive.")
            .Check(request.Currency is { Length: 3 } && request.Currency.All(char.IsAsciiLetterUpper), "currency", "An ISO 4217 currency code (e.g. EUR) is required.");
        if (errors.Any)
        {
            return errors.ToResult();
        }

        return await idempotent.ExecuteAsync(http, "charge", request, async (c, tx) => await store.ChargeAsync(c, tx, request, ct) switch
        {
            ChargeResult.Charged { Existing: false } r => IdempotentOutcome.Json(StatusCodes.Status201Created, r.Charge),
            ChargeResult.Charged r => IdempotentOutcome.Json(StatusCodes.Status200OK, r.Charge),
            ChargeResult.Declined d => IdempotentOutcome.Problem(StatusCodes.Status402PaymentRequired, "payment-declined", "Payment declined.",
                $"The payment reference '{request.PaymentReference}' was declined: {d.Reason}."),
            ChargeResult.UnknownAccount => IdempotentOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "unknown-payment-reference",
                "Unknown payment reference.", $"There is no payment account '{request.PaymentReference}'."),
            ChargeResult.Closed closed => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "charge-closed", "The order's charge is closed.",
                $"Order '{request.OrderId}' was already {closed.Charge.Status}; it cannot be charged again."),
            ChargeResult.AmountMismatch m => IdempotentOutcome.Problem(StatusCodes.Status409Conflict, "charge-amount-mismatch",
                "The order was already charged another amount.",
                $"Order '{request.OrderId}' was charged {m.Charge.AmountCents} cents, not {request.AmountCents}."),
            _ => throw new InvalidOperationException("Unexpected charge result."),
        }, ct);
    }
}
