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

    /// <summary>
    /// The definition of a flow "f" of the reference flow's three steps (reserve, charge, ship) in <paramref name="mode"/>, with
    /// events <c>r.*</c>, <c>c.*</c>, <c>s.*</c> and <paramref name="cancelUntil"/>.
    /// </summary>
    public static FlowDefinition ThreeSteps(string mode = FlowModes.Orchestration, string? cancelUntil = null)
    {
        static StepEvents Events(string p) => new() { Succeeded = p + ".ok", Failed = p + ".failed", Compensated = p + ".undone" };
        var flows = Options with
        {
            Definitions = new()
            {
                ["f"] = new ConfiguredFlow
                {
                    Mode = mode,
                    CancelUntil = cancelUntil,
                    Steps =
                    [
                        new() { Name = "reserve-inventory", Operation = "inventory.reserve", Events = Events("r") },
                        new() { Name = "charge-payment", Operation = "billing.charge", Events = Events("c") },
                        new() { Name = "create-shipment", Operation = "shipping.create-shipment", Events = Events("s") },
                    ],
                },
            },
            OrderFlow = "f",
        };
        return flows.Definitions["f"].ToDefinition(flows);
    }

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
