namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>
/// The layer with two instances each of the inventory, billing and shipping APIs (and so of their choreography
/// participants) on one PostgreSQL store per system: the second instances start on ports reserved beforehand, and the
/// process API is told of them (<c>Flows__Systems__{system}__Replicas__0</c>). On SQLite (a file has one instance) the
/// second instances are not started, and the tests say so.
/// </summary>
public class TwoInstancesOfEachSystem(string flow, bool billingBehindWireMock) : LayerFixture
{
    /// <summary>The systems that run twice.</summary>
    public static readonly IReadOnlyList<LayerService> Systems = [LayerService.Inventory, LayerService.Billing, LayerService.Shipping];

    private readonly Dictionary<LayerService, int> secondPorts = Systems.ToDictionary(s => s, _ => FreePort.Next());
    private readonly Dictionary<LayerService, ServiceProcess> seconds = [];

    /// <summary>The second instance of a system.</summary>
    public ServiceProcess Second(LayerService system) => seconds[system];

    protected override void Configure(LayerOptions options)
    {
        options.SetEnvironment(LayerService.ProcessApi, "Flows__OrderFlow", flow);
        if (billingBehindWireMock)
        {
            options.WireMockInFrontOf.Add(LayerService.Billing);
        }

        foreach (var system in Systems)
        {
            options.SetEnvironment(LayerService.ProcessApi, $"Flows__Systems__{system.ToString().ToLowerInvariant()}__Replicas__0", $"http://127.0.0.1:{secondPorts[system]}");
        }
    }

    protected override async Task OnStartedAsync()
    {
        if (!TestStores.OnPostgres)
        {
            return;
        }

        var started = await Task.WhenAll(Systems.Select(s => StartInstanceAsync(s, 2, secondPorts[s])));
        for (var i = 0; i < Systems.Count; i++)
        {
            seconds[Systems[i]] = started[i];
        }
    }
}
