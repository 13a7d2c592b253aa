namespace ApiLed.LayerRunner;

/// <summary>The seven services of the layer, each its own process.</summary>
public enum LayerService
{
    Inventory,
    Billing,
    Shipping,
    Risk,
    ProcessApi,
    ExperienceApi,
    Gateway,
}
