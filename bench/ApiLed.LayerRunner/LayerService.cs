namespace ApiLed.LayerRunner;

/// <summary>The six services of the layer, each its own process.</summary>
public enum LayerService
{
    Inventory,
    Billing,
    Shipping,
    ProcessApi,
    ExperienceApi,
    Gateway,
}
