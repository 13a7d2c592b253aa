namespace ApiLed.Chaos;

/// <summary>The six services of the layer, each its own process.</summary>
internal enum LayerService
{
    Inventory,
    Billing,
    Shipping,
    ProcessApi,
    ExperienceApi,
    Gateway,
}
