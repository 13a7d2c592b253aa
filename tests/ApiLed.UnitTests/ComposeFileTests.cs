namespace ApiLed.UnitTests;

/// <summary>What compose.yaml and .dockerignore promise: a trace viewer, the OTEL variables and a healthcheck on every service, nested build output kept out of the image.</summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Services = ["inventory-api", "billing-api", "shipping-api", "risk-api", "process-api-1", "process-api-2",
        "experience-api-1", "experience-api-2", "gateway"];

    /// <summary>A service's block with the anchor it merges (the two process and experience API instances share one each).</summary>
    private static string Resolved(string compose, string service)
    {
        var block = ServiceBlock(compose, service);
        foreach (var anchor in new[] { "process-api", "experience-api" })
        {
            if (block.Contains($"<<: *{anchor}", StringComparison.Ordinal))
            {
                var start = compose.IndexOf($"x-{anchor}: &{anchor}", StringComparison.Ordinal);
                var end = compose.IndexOf("\n\n", start, StringComparison.Ordinal);
                block += "\n" + compose[start..end];
            }
        }

        return block;
    }

    private static string Compose() => File.ReadAllText(Path.Combine(ShippedFlows.RepoRoot(), "compose.yaml"));

    /// <summary>The block of one top-level service: its lines up to the next service or section.</summary>
    private static string ServiceBlock(string compose, string service)
    {
        var lines = compose.Split('\n');
        var start = Array.FindIndex(lines, Array.IndexOf(lines, "services:") + 1, l => l == $"  {service}:");
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
            var block = Resolved(compose, service);
            Assert.Contains("<<: *apiled", block); // its build, image and healthcheck
            Assert.Contains("*otel", block);
        }
    }

    [Fact]
    public void The_layer_runs_on_postgres_a_three_node_broker_cluster_and_two_instances_of_the_process_and_experience_apis()
    {
        var compose = Compose();
        Assert.Contains("  postgres:\n    image: postgres:15", compose);
        Assert.Contains("./platform/compose/postgres-init.sql:/docker-entrypoint-initdb.d/", compose);
        var init = File.ReadAllText(Path.Combine(ShippedFlows.RepoRoot(), "platform", "compose", "postgres-init.sql"));
        foreach (var node in new[] { "rabbitmq1", "rabbitmq2", "rabbitmq3" })
        {
            var block = ServiceBlock(compose, node);
            Assert.Contains($"hostname: {node}", block);
            Assert.Contains("./platform/compose/rabbitmq.conf:/etc/rabbitmq/rabbitmq.conf", block);
        }

        var rabbitConf = File.ReadAllText(Path.Combine(ShippedFlows.RepoRoot(), "platform", "compose", "rabbitmq.conf"));
        Assert.Contains("cluster_formation.classic_config.nodes.3 = rabbit@rabbitmq3", rabbitConf);
        Assert.Contains("RabbitMq__Endpoints__0: rabbitmq2:5672", compose);
        Assert.Contains("RabbitMq__Endpoints__1: rabbitmq3:5672", compose);

        foreach (var (service, database) in new[]
        {
            ("inventory-api", "apiled_inventory"), ("billing-api", "apiled_billing"), ("shipping-api", "apiled_shipping"), ("risk-api", "apiled_risk"),
            ("process-api-1", "apiled_process"), ("process-api-2", "apiled_process"), ("experience-api-1", "apiled_experience"), ("experience-api-2", "apiled_experience"),
        })
        {
            var block = Resolved(compose, service);
            Assert.Contains("*store", block);
            Assert.Contains("*broker", block);
            Assert.Contains($"Database={database}", block);
            Assert.Contains($"CREATE DATABASE {database} ", init);
        }

        var gateway = ServiceBlock(compose, "gateway");
        Assert.Contains("Gateway__ExperienceApiReplicas__0: http://experience-api-2:8080", gateway);
        Assert.Contains("Gateway__ProcessApiReplicas__0: http://process-api-2:8080", gateway);
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
