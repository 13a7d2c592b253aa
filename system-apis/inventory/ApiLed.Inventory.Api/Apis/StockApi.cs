using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Inventory.Api.Apis;

public static class StockApi
{
    public static IEndpointRouteBuilder MapStockApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/stock").WithTags("Stock");

        api.MapGet("/", async (InventoryStore store, CancellationToken ct) => TypedResults.Ok(await store.ListStockAsync(ct)))
            .WithSummary("Lists every SKU with its price, stock on hand, reserved and available units.");

        api.MapGet("/{sku}", async (string sku, InventoryStore store, CancellationToken ct) =>
                await store.FindStockAsync(sku, ct) is { } item
                    ? Results.Ok(item)
                    : Problems.Of(StatusCodes.Status404NotFound, "unknown-sku", "Unknown SKU.", $"There is no SKU '{sku}'."))
            .WithSummary("Reads one SKU's stock.")
            .Produces<StockItem>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/{sku}", async (string sku, PutStockRequest request, InventoryStore store, CancellationToken ct) =>
            {
                var errors = new FieldErrors()
                    .Check(!string.IsNullOrWhiteSpace(request.Name), "name", "A product name is required.")
                    .Check(request.UnitPriceCents >= 0, "unitPriceCents", "The price cannot be negative.")
                    .Check(request.OnHand >= 0, "onHand", "Stock on hand cannot be negative.");
                if (errors.Any)
                {
                    return errors.ToResult();
                }

                return await store.PutStockAsync(sku, request, ct) is { } item
                    ? Results.Ok(item)
                    : Problems.Of(StatusCodes.Status409Conflict, "stock-below-reserved", "Stock cannot go below the reserved units.",
                        $"SKU '{sku}' has more units reserved than {request.OnHand}; release reservations first.");
            })
            .WithSummary("Creates a SKU or sets its name, price and stock on hand (operators and tests).")
            .Produces<StockItem>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }
}
