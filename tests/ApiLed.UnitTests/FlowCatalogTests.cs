using ApiLed.ProcessApi.Flows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApiLed.UnitTests;

/// <summary>The catalog reads the flows file itself: an explicit reload sees the file as it is at that moment.</summary>
public sealed class FlowCatalogTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-flows-").FullName;

    private string FlowsFile => Path.Combine(folder, "flows.json");

    private static string Shipped => File.ReadAllText(Path.Combine(RepoRoot(), "process-api", "ApiLed.ProcessApi", "flows.json"));

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private FlowCatalog Catalog(params (string Key, string Value)[] overrides) => new(
        new ConfigurationBuilder()
            .AddInMemoryCollection(overrides.Select(o => KeyValuePair.Create(o.Key, (string?)o.Value))
                .Append(KeyValuePair.Create(FlowsOptions.FileSetting, (string?)FlowsFile)))
            .Build(),
        NullLogger<FlowCatalog>.Instance, TimeProvider.System);

    [Fact]
    public void An_explicit_reload_right_after_a_write_validates_the_file_as_written()
    {
        File.WriteAllText(FlowsFile, Shipped);
        using var catalog = Catalog();

        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(FlowsFile, Shipped.Replace("\"inventory.reserve\"", "\"inventory.teleport\"", StringComparison.Ordinal));
            var refused = catalog.Reload();
            Assert.False(refused.Applied);
            Assert.Contains(refused.Errors, e => e.StartsWith(FlowsFile, StringComparison.Ordinal) && e.Contains("'inventory.teleport' is unknown"));

            File.WriteAllText(FlowsFile, Shipped);
            var applied = catalog.Reload();
            Assert.True(applied.Applied, string.Join(Environment.NewLine, applied.Errors));
        }
    }

    [Fact]
    public void A_refused_change_keeps_the_flows_in_force()
    {
        File.WriteAllText(FlowsFile, Shipped);
        using var catalog = Catalog();
        var before = catalog.Current;

        File.WriteAllText(FlowsFile, "{ \"Flows\": { ");
        var reload = catalog.Reload();

        Assert.False(reload.Applied);
        Assert.Contains(reload.Errors, e => e.Contains("cannot be read as JSON"));
        Assert.Same(before, catalog.Current);
        Assert.Same(reload, catalog.LastReload);
    }

    [Fact]
    public void Settings_given_elsewhere_are_laid_over_the_file()
    {
        File.WriteAllText(FlowsFile, Shipped);
        using var catalog = Catalog(("Flows:OrderFlow", "order-fulfillment-choreographed"));

        Assert.Equal("order-fulfillment-choreographed", catalog.OrderFlow.Name);
        Assert.Equal("choreography", catalog.OrderFlow.Definition.Mode);
    }

    [Fact]
    public void An_invalid_file_at_start_up_names_every_problem()
    {
        File.WriteAllText(FlowsFile, Shipped.Replace("\"hybrid\"", "\"telepathy\"", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => Catalog());

        Assert.Contains("Mode is 'telepathy'", error.Message);
    }

    [Fact]
    public async Task A_saved_change_is_applied_without_an_explicit_reload()
    {
        File.WriteAllText(FlowsFile, Shipped);
        using var catalog = Catalog();
        Assert.Equal("order-fulfillment", catalog.OrderFlow.Name);

        File.WriteAllText(FlowsFile, Shipped.Replace("\"OrderFlow\": \"order-fulfillment\"", "\"OrderFlow\": \"order-fulfillment-orchestrated\"", StringComparison.Ordinal));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (catalog.OrderFlow.Name != "order-fulfillment-orchestrated" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal("order-fulfillment-orchestrated", catalog.OrderFlow.Name);
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ApiLed.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ApiLed.sln not found above " + AppContext.BaseDirectory);
    }
}
