using System.ComponentModel.DataAnnotations;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Shipping.Api;

public static class ShippingServiceExtensions
{
    /// <summary>The shipping store and the countries served (section <c>Shipping</c>).</summary>
    public static WebApplicationBuilder AddShippingServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        builder.Services.AddValidatedOptions<ShippingOptions>(ShippingOptions.Section);
        builder.Services.AddSingleton<ShippingStore>();
        return builder;
    }
}

/// <summary>Settings of the shipping system API (section <c>Shipping</c>).</summary>
public sealed record ShippingOptions
{
    public const string Section = "Shipping";

    /// <summary>ISO 3166 alpha-2 codes of the countries the carrier delivers to; others answer 422.</summary>
    [MinLength(1)]
    public List<string> ServedCountries { get; init; } = [];
}
