namespace ApiLed.LayerRunner;

/// <summary>Where the layer is and how to call it: the gateway with a partner's and an operator's key, and the system APIs.</summary>
public sealed record LayerEndpoints(
    string GatewayUrl, string PartnerKey, string OperatorKey, string InventoryUrl, string BillingUrl, string ShippingUrl)
{
    /// <summary>The demo-bench partner (no practical rate limit) of the gateway's appsettings.json.</summary>
    public const string DemoBenchKey = "ak_demo_bench_368ec653b2b1096eb956360e";

    /// <summary>The demo-ops operator of the gateway's appsettings.json.</summary>
    public const string DemoOpsKey = "ak_demo_ops_9e7985386ff6ae50494f5aa5";

    /// <summary>The layer as <c>./run.sh</c> starts it.</summary>
    public static readonly LayerEndpoints RunSh = new(
        "http://127.0.0.1:8080", DemoBenchKey, DemoOpsKey, "http://127.0.0.1:5201", "http://127.0.0.1:5202", "http://127.0.0.1:5203");
}
