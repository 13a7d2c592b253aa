using System.Text.Json.Nodes;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>Flows files for a test layer: the shipped one with a flow of the test's own, run by new orders.</summary>
public static class FlowsFiles
{
    /// <summary>The shipped flows file, as JSON.</summary>
    public static JsonNode Shipped() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "process-api", "ApiLed.ProcessApi", "flows.json")))!;

    /// <summary>The steps of the shipped three-step reference flow (reserve, charge, ship), each a copy.</summary>
    public static JsonNode[] ReferenceSteps() =>
        [.. Shipped()["Flows"]!["Definitions"]!["order-fulfillment-orchestrated"]!["Steps"]!.AsArray().Select(s => s!.DeepClone())];

    /// <summary>
    /// Writes the shipped flows file with <paramref name="flow"/> added as <paramref name="name"/> and made the order flow
    /// into the fixture's folder, and points the process API at it.
    /// </summary>
    public static void UseFlow(LayerFixture fixture, LayerOptions options, string name, string mode, params JsonNode[] steps)
    {
        var root = Shipped();
        root["Flows"]!["Definitions"]![name] = new JsonObject { ["Mode"] = mode, ["Steps"] = new JsonArray(steps) };
        root["Flows"]!["OrderFlow"] = name;
        Directory.CreateDirectory(fixture.TempDirectory);
        var file = Path.Combine(fixture.TempDirectory, "flows.json");
        File.WriteAllText(file, root.ToJsonString());
        options.SetEnvironment(LayerService.ProcessApi, "FlowsFile", file);
    }

    /// <summary>Changes the <c>Flows</c> section of the fixture's flows file (written by <see cref="UseFlow"/>).</summary>
    public static void Edit(LayerFixture fixture, Action<JsonNode> change)
    {
        var file = Path.Combine(fixture.TempDirectory, "flows.json");
        var root = JsonNode.Parse(File.ReadAllText(file))!;
        change(root["Flows"]!);
        File.WriteAllText(file, root.ToJsonString());
    }
}
