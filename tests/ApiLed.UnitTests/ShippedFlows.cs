using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;
using Microsoft.Extensions.Configuration;

namespace ApiLed.UnitTests;

/// <summary>The shipped flows file (process-api/ApiLed.ProcessApi/flows.json), bound as the process API binds it.</summary>
public static class ShippedFlows
{
    private static readonly Lazy<FlowsOptions> Loaded = new(() =>
        new ConfigurationBuilder().AddJsonFile(File, optional: false).Build().GetSection(FlowsOptions.Section).Get<FlowsOptions>()!);

    public static string File => Path.Combine(RepoRoot(), "process-api", "ApiLed.ProcessApi", "flows.json");

    public static FlowsOptions Options => Loaded.Value;

    /// <summary>The shipped systems and their operations.</summary>
    public static Dictionary<string, SystemDefinition> Systems => Options.Systems;

    /// <summary>The definition a new saga of <paramref name="flow"/> keeps (operations pinned); by default the three-step reference flow.</summary>
    public static FlowDefinition Definition(string flow = "order-fulfillment-orchestrated") => Options.Definitions[flow].ToDefinition(Options);

    public static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !System.IO.File.Exists(Path.Combine(directory.FullName, "ApiLed.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ApiLed.sln not found above " + AppContext.BaseDirectory);
    }
}
