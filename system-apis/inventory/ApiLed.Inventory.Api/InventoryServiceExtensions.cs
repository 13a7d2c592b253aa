using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Inventory.Api;

public static class InventoryServiceExtensions
{
    /// <summary>The inventory store and its demo seed (section <c>Inventory</c>).</summary>
    public static WebApplicationBuilder AddInventoryServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        builder.Services.AddValidatedOptions<InventoryOptions>(InventoryOptions.Section);
        builder.Services.AddSingleton<InventoryStore>();
        return builder;
    }
}

/// <summary>Settings of the inventory system API (section <c>Inventory</c>).</summary>
public sealed record InventoryOptions
{
    public const string Section = "Inventory";

    /// <summary>Products created at first start when their SKU is not in the store yet.</summary>
    public List<SeedProduct> Seed { get; init; } = [];
}

public sealed record SeedProduct
{
    public string Sku { get; init; } = "";

    public string Name { get; init; } = "";

    public long UnitPriceCents { get; init; }

    public int OnHand { get; init; }
}
