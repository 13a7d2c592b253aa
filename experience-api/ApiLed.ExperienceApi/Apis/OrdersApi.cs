using ApiLed.ExperienceApi.Cancellations;
using ApiLed.ExperienceApi.Catalog;
using ApiLed.ExperienceApi.Orders;
using ApiLed.ExperienceApi.Webhooks;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ApiLed.ExperienceApi.Apis;

public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/orders").WithTags("Orders");

        api.MapPost("/", PlaceOrderAsync)
            .WithName("PlaceOrder")
            .WithSummary("Places an order. Answers 202 Accepted at once; the order is fulfilled asynchronously.")
            .WithDescription(
                "The order is validated, priced from the catalogue and stored durably with its fulfillment command before the answer. " +
                "Send an Idempotency-Key (any unique string, e.g. a UUID): repeating the request with the same key returns the same " +
                "order and never creates a second one. Follow the Location header (or poll after Retry-After seconds) for the status.")
            .Accepts<PlaceOrderRequest>("application/json")
            .Produces<OrderStatusView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/{orderId}", async (string orderId, HttpContext http, OrderStore orders, IOptions<OrdersOptions> options, CancellationToken ct) =>
                await orders.FindAsync(PartnerOf(http, options.Value), orderId, ct) is { } order
                    ? Results.Ok(order)
                    : Problems.Of(StatusCodes.Status404NotFound, "order-not-found", "Order not found.", $"There is no order '{orderId}'."))
            .WithName("GetOrder")
            .WithSummary("Reads an order's status, each step's outcome and, for a failed order, the reason and what was compensated.")
            .Produces<OrderStatusView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{orderId}/cancel", CancelOrderAsync)
            .WithName("CancelOrder")
            .WithSummary("Cancels an order that is not yet shipped: everything done is undone and it ends cancelled (told by webhook too).")
            .WithDescription(
                "Answers 202 Accepted with status cancelling while what was done is undone (the order then ends cancelled, and an order " +
                "with a callback URL gets the order.cancelled webhook), 200 once it is cancelled. Once the shipment has started, or the " +
                "order is done, the answer is 409. Repeating the cancel is safe: it answers as the first one did. The body is optional.")
            .Accepts<CancelOrderRequest>("application/json")
            .Produces<OrderStatusView>(StatusCodes.Status202Accepted)
            .Produces<OrderStatusView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/", async (int? limit, HttpContext http, OrderStore orders, IOptions<OrdersOptions> options, CancellationToken ct) =>
                TypedResults.Ok(await orders.ListAsync(PartnerOf(http, options.Value), Math.Clamp(limit ?? 50, 1, 500), ct)))
            .WithName("ListOrders")
            .WithSummary("Lists your orders, newest first (limit 1 to 500, default 50).");

        return app;
    }

    private static async Task<IResult> PlaceOrderAsync(
        [FromBody] PlaceOrderRequest? request,
        [FromHeader(Name = IdempotentRequests.HeaderName)] string? idempotencyKey,
        HttpContext http, ProductCatalog catalog, OrderStore orders, IOptions<OrdersOptions> options, IOptionsMonitor<WebhookOptions> webhooks,
        TimeProvider time, CancellationToken ct)
    {
        if (request is null)
        {
            return Problems.Validation("body", "A JSON order is required.");
        }

        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 200)
        {
            return Problems.Validation(IdempotentRequests.HeaderName,
                "An Idempotency-Key header (1 to 200 characters, e.g. a UUID) is required, so a retried request never places a second order.");
        }

        IReadOnlyDictionary<string, ApiLed.Contracts.StockItem> products;
        try
        {
            products = await catalog.GetAsync(forceRefresh: false, ct);
            if (request.Lines?.Any(l => l?.Sku is { } sku && !products.ContainsKey(sku)) == true)
            {
                products = await catalog.GetAsync(forceRefresh: true, ct);
            }
        }
        catch (CatalogUnavailableException)
        {
            http.Response.Headers.RetryAfter = "5";
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "catalog-unavailable", "The product catalogue is unavailable.",
                "Orders cannot be priced right now; retry the same request (same Idempotency-Key) shortly.");
        }

        var (order, errors) = OrderValidator.Validate(request, products);
        if (order is null)
        {
            return errors.ToResult();
        }

        var partner = PartnerOf(http, options.Value);
        if (order.CallbackUrl is not null && !webhooks.CurrentValue.HasSecretFor(partner))
        {
            return Problems.Validation("callbackUrl",
                $"Webhooks are not set up for partner '{partner}' (no signing secret); leave callbackUrl out, or ask ApiLed to set one up.");
        }

        if (order.CallbackUrl is not null && !webhooks.CurrentValue.AllowPrivateNetworkCallbacks
            && CallbackAddresses.NamesPrivateHost(new Uri(order.CallbackUrl)))
        {
            return Problems.Validation("callbackUrl", "The callback URL must be reachable on the internet: loopback and private-network addresses are refused.");
        }

        var result = await orders.AcceptAsync(partner, idempotencyKey, order, options.Value.Currency, time.GetUtcNow(), ct);
        switch (result)
        {
            case AcceptResult.KeyReused reused:
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused",
                    "The Idempotency-Key was already used for a different order.",
                    $"Key '{idempotencyKey}' placed order {reused.OrderId} with another body; use a new key for a new order.");
            case AcceptResult.Replayed replayed:
                http.Response.Headers[IdempotentRequests.ReplayedHeaderName] = "true";
                return Accepted(http, replayed.Order, options.Value);
            case AcceptResult.Accepted accepted:
                OrderMetrics.Accepted.Add(1, new KeyValuePair<string, object?>("partner", partner));
                return Accepted(http, accepted.Order, options.Value);
            default:
                throw new InvalidOperationException("Unexpected accept result.");
        }
    }

    private static async Task<IResult> CancelOrderAsync(string orderId,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] CancelOrderRequest? request,
        HttpContext http, OrderStore orders, OrderCancellations cancellations, IOptions<OrdersOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (request?.Reason is { Length: > 2000 })
        {
            return Problems.Validation("reason", "The reason is at most 2000 characters.");
        }

        var partner = PartnerOf(http, options.Value);
        var order = await orders.FindAsync(partner, orderId, ct);
        if (order is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "order-not-found", "Order not found.", $"There is no order '{orderId}'.");
        }

        switch (order.Status)
        {
            case OrderStatuses.Cancelled:
                return TypedResults.Ok(order);
            case OrderStatuses.Completed:
                return Problems.Of(StatusCodes.Status409Conflict, "cancel-too-late", "The order can no longer be cancelled.",
                    $"Order '{orderId}' is completed: it has shipped.");
            case OrderStatuses.Failed or OrderStatuses.NeedsAttention:
                return Problems.Of(StatusCodes.Status409Conflict, "order-not-cancellable", "The order can no longer be cancelled.",
                    $"Order '{orderId}' is {order.Status}: it does not go ahead, so there is nothing to cancel.");
        }

        switch (await cancellations.CancelAsync(orderId, partner, request?.Reason, ct))
        {
            case CancelOutcome.Taken taken:
                await orders.CancelTakenAsync(orderId, taken.Status, taken.Version, time.GetUtcNow(), ct);
                var now = await orders.FindAsync(partner, orderId, ct) ?? order;
                return now.Status == OrderStatuses.Cancelled ? TypedResults.Ok(now) : TypedResults.Accepted($"/api/v1/orders/{orderId}", now);
            case CancelOutcome.Refused refused:
                return Problems.Of(StatusCodes.Status409Conflict, refused.Type, "The order can no longer be cancelled.", refused.Detail);
            default:
                http.Response.Headers.RetryAfter = "5";
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, "cancel-unavailable", "The cancel cannot be taken right now.",
                    "The order's fulfillment could not be reached; send the same cancel again shortly (it is safe to repeat).");
        }
    }

    private static IResult Accepted(HttpContext http, OrderStatusView order, OrdersOptions options)
    {
        http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Accepted($"/api/v1/orders/{order.OrderId}", order);
    }

    /// <summary>The partner the gateway authenticated (header <c>X-Partner-Id</c>); direct callers are the default partner.</summary>
    public static string PartnerOf(HttpContext http, OrdersOptions options) =>
        http.Request.Headers[OrdersOptions.PartnerHeader].ToString() is { Length: > 0 } partner ? partner : options.DefaultPartner;
}
