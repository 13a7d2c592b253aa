using ApiLed.Contracts;
using ApiLed.ExperienceApi.Orders;

namespace ApiLed.UnitTests;

public sealed class OrderValidatorTests
{
    private static readonly Dictionary<string, StockItem> Catalog = new()
    {
        ["SKU-A"] = new StockItem("SKU-A", "A", 1250, 10, 0, 10),
        ["SKU-B"] = new StockItem("SKU-B", "B", 300, 10, 0, 10),
    };

    private static PlaceOrderRequest Valid() => new("cust-1", [new OrderLineRequest("SKU-A", 2), new OrderLineRequest("SKU-B", 1)], "card-ok-4242",
        new ShipToRequest("Ada", "1 Street", "London", "N1", "gb"), null);

    [Fact]
    public void A_valid_order_is_priced_from_the_catalogue()
    {
        var (order, errors) = OrderValidator.Validate(Valid(), Catalog);
        Assert.False(errors.Any);
        Assert.Equal(2 * 1250 + 300, order!.TotalCents);
        Assert.Equal("GB", order.ShipTo.Country);
    }

    [Fact]
    public void Every_invalid_field_is_reported_and_nothing_is_priced()
    {
        var request = new PlaceOrderRequest(" ", [new OrderLineRequest("SKU-A", 0), new OrderLineRequest("SKU-NOPE", 1), null, new OrderLineRequest(null, null)],
            null, new ShipToRequest("Ada", "", "London", "N1", "Germany"), "ftp://example.com/hook");

        var (order, errors) = OrderValidator.Validate(request, Catalog);

        Assert.Null(order);
        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ValidationProblem>(errors.ToResult());
        var fields = problem.ProblemDetails.Errors.Keys;
        Assert.Equal(
            new[] { "callbackUrl", "customerId", "lines[0].quantity", "lines[1].sku", "lines[2]", "lines[3].quantity", "lines[3].sku", "paymentReference", "shipTo.country", "shipTo.line1" },
            fields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_order_without_lines_or_address_is_refused()
    {
        var (order, errors) = OrderValidator.Validate(new PlaceOrderRequest("c", [], "p", null, null), Catalog);
        Assert.Null(order);
        Assert.True(errors.Any);
    }

    [Fact]
    public void An_order_whose_total_is_zero_is_refused_before_it_is_accepted()
    {
        var free = new Dictionary<string, StockItem> { ["SKU-FREE"] = new StockItem("SKU-FREE", "Free", 0, 10, 0, 10) };
        var request = Valid() with { Lines = [new OrderLineRequest("SKU-FREE", 1)] };

        var (order, errors) = OrderValidator.Validate(request, free);

        Assert.Null(order);
        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ValidationProblem>(errors.ToResult());
        Assert.Contains("total is zero", Assert.Single(problem.ProblemDetails.Errors["lines"]));
    }
}
