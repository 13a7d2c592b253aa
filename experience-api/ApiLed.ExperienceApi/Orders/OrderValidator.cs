using ApiLed.Contracts;
using ApiLed.ExperienceApi.Catalog;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ExperienceApi.Orders;

/// <summary>Checks a partner's order against the rules and the catalogue, and prices it.</summary>
public static class OrderValidator
{
    public const int MaxLines = 50;
    public const int MaxQuantity = 1000;

    public sealed record ValidOrder(string CustomerId, List<PricedOrderLine> Lines, long TotalCents, string PaymentReference,
        ShippingAddress ShipTo, string? CallbackUrl);

    public static (ValidOrder? Order, FieldErrors Errors) Validate(PlaceOrderRequest request, IReadOnlyDictionary<string, StockItem> catalog)
    {
        var errors = new FieldErrors();
        Text(errors, request.CustomerId, "customerId", 100);
        Text(errors, request.PaymentReference, "paymentReference", 100);

        if (request.Lines is not { Count: > 0 })
        {
            errors.Add("lines", "At least one line is required.");
        }
        else if (request.Lines.Count > MaxLines)
        {
            errors.Add("lines", $"At most {MaxLines} lines are allowed.");
        }

        var priced = new List<PricedOrderLine>();
        for (var i = 0; i < Math.Min(request.Lines?.Count ?? 0, MaxLines); i++)
        {
            var line = request.Lines![i];
            var at = $"lines[{i}]";
            if (line is null)
            {
                errors.Add(at, "A line cannot be null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(line.Sku))
            {
                errors.Add($"{at}.sku", "A SKU is required.");
            }
            else if (!catalog.TryGetValue(line.Sku, out _))
            {
                errors.Add($"{at}.sku", $"Unknown SKU '{line.Sku}'.");
            }

            if (line.Quantity is null)
            {
                errors.Add($"{at}.quantity", "A quantity is required.");
            }
            else if (line.Quantity is < 1 or > MaxQuantity)
            {
                errors.Add($"{at}.quantity", $"The quantity must be between 1 and {MaxQuantity}.");
            }

            if (line.Sku is not null && catalog.TryGetValue(line.Sku, out var item) && line.Quantity is >= 1 and <= MaxQuantity)
            {
                priced.Add(new PricedOrderLine(item.Sku, line.Quantity.Value, item.UnitPriceCents));
            }
        }

        if (request.ShipTo is null)
        {
            errors.Add("shipTo", "A delivery address is required.");
        }
        else
        {
            Text(errors, request.ShipTo.Name, "shipTo.name", 200);
            Text(errors, request.ShipTo.Line1, "shipTo.line1", 200);
            Text(errors, request.ShipTo.City, "shipTo.city", 100);
            Text(errors, request.ShipTo.PostalCode, "shipTo.postalCode", 20);
            errors.Check(request.ShipTo.Country is { Length: 2 } c && c.All(char.IsAsciiLetter), "shipTo.country",
                "An ISO 3166-1 alpha-2 country code (e.g. DE) is required.");
        }

        if (request.CallbackUrl is not null)
        {
            errors.Check(Uri.TryCreate(request.CallbackUrl, UriKind.Absolute, out var callback)
                         && (callback.Scheme == Uri.UriSchemeHttps || callback.Scheme == Uri.UriSchemeHttp)
                         && request.CallbackUrl.Length <= 2000,
                "callbackUrl", "The callback URL must be an absolute http(s) URL of at most 2000 characters.");
        }

        if (!errors.Any && priced.Sum(l => l.UnitPriceCents * l.Quantity) <= 0)
        {
            errors.Add("lines", "The order total is zero: the catalogue has no price for these SKUs, so the order cannot be charged.");
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        var shipTo = request.ShipTo!;
        var order = new ValidOrder(request.CustomerId!.Trim(), priced, priced.Sum(l => l.UnitPriceCents * l.Quantity), request.PaymentReference!.Trim(),
            new ShippingAddress(shipTo.Name!.Trim(), shipTo.Line1!.Trim(), shipTo.City!.Trim(), shipTo.PostalCode!.Trim(), shipTo.Country!.ToUpperInvariant()),
            request.CallbackUrl);
        return (order, errors);
    }

    private static void Text(FieldErrors errors, string? value, string field, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "This field is required.");
        }
        else if (value.Length > max)
        {
            errors.Add(field, $"At most {max} characters are allowed.");
        }
    }
}
