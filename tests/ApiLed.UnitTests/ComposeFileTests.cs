namespace ApiLed.UnitTests;

/// <summary>What compose.yaml and .dockerignore promise: a trace viewer, the OTEL variables and a healthcheck on every service, nested build output kept out of the image.</summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Services = ["inventory-api", "billing-api", "shipping-api", "risk-api", "process-api", "experience-api", "gateway"];

    private static string Compose() => File.ReadAllText(Path.Combine(ShippedFlows.RepoRoot(), "compose.yaml"));

    /// <summary>The block of one top-level service: its lines up to the next service or section.</summary>
    private static string ServiceBlock(string compose, string service)
    {
        var lines = compose.Split('\n');
        var start = Array.FindIndex(lines, l => l == $"  {service}:");
        Assert.True(start >= 0, $"compose.yaml has no service {service}");
        var end = Array.FindIndex(lines, start + 1, l => l.Length > 2 && !l.StartsWith("   ", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(l));
        return string.Join('\n', lines[start..(end < 0 ? lines.Length : end)]);
    }

    [Fact]
    public void Every_service_exports_to_the_trace_viewer_and_has_a_healthcheck()
    {
        var compose = Compose();
        Assert.Contains("  jaeger:\n    image: jaegertracing/all-in-one:", compose);
        Assert.Contains("COLLECTOR_OTLP_ENABLED: \"true\"", compose);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT: http://jaeger:4317", compose);
        var defaults = compose[compose.IndexOf("x-apiled:", StringComparison.Ordinal)..compose.IndexOf("x-broker:", StringComparison.Ordinal)];
        Assert.Contains("healthcheck:", defaults);
        Assert.Contains("/health/ready", defaults);
        foreach (var service in Services)
        {
            var block = ServiceBlock(compose, service);
            Assert.Contains("<<: *apiled", block); // its build, image and healthcheck
            Assert.Contains("*otel", block);
        }
    }

    [Fact]
    public void The_docker_context_leaves_out_every_bin_obj_and_node_modules_folder()
    {
        var ignored = File.ReadAllLines(Path.Combine(ShippedFlows.RepoRoot(), ".dockerignore"));
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("**/node_modules/", ignored);
    }
}
