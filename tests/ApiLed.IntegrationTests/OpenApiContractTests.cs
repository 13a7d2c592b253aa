using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.IntegrationTests.Infrastructure;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The OpenAPI documents checked in under <c>openapi/</c> are the ones the running services serve. A change to an API
/// fails here until the files are regenerated: <c>APILED_UPDATE_OPENAPI=1 ./test.sh --filter FullyQualifiedName~OpenApiContractTests</c>
/// rewrites them from the running layer (see the README, Partners: Swagger UI and the OpenAPI documents).
/// </summary>
[Collection(PartnerLayerCollection.Name)]
public sealed class OpenApiContractTests(PartnerLayer layer)
{
    public const string UpdateVariable = "APILED_UPDATE_OPENAPI";

    private static readonly JsonSerializerOptions Written = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Quoted = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Each checked-in file, the service that serves it and where.</summary>
    public static TheoryData<string, LayerService, string> Documents => new()
    {
        { "experience-api.json", LayerService.ExperienceApi, "/swagger/v1/swagger.json" },
        { "process-api.json", LayerService.ProcessApi, "/swagger/v1/swagger.json" },
        { "inventory-api.json", LayerService.Inventory, "/swagger/v1/swagger.json" },
        { "billing-api.json", LayerService.Billing, "/swagger/v1/swagger.json" },
        { "shipping-api.json", LayerService.Shipping, "/swagger/v1/swagger.json" },
        { "risk-api.json", LayerService.Risk, "/swagger/v1/swagger.json" },
        { "gateway-orders.json", LayerService.Gateway, "/swagger/orders/swagger.json" },
        { "gateway-operations.json", LayerService.Gateway, "/swagger/operations/swagger.json" },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task The_checked_in_document_is_the_one_the_service_serves(string file, LayerService service, string path)
    {
        var live = JsonNode.Parse(await layer.Client(service).GetStringAsync(path))!;
        var checkedInPath = Path.Combine(RepoPaths.Root, "openapi", file);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(checkedInPath)!);
            await File.WriteAllTextAsync(checkedInPath, live.ToJsonString(Written) + "\n");
            return;
        }

        Assert.True(File.Exists(checkedInPath), $"openapi/{file} is missing; {Regenerate}");
        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(checkedInPath))!;
        var difference = FirstDifference(checkedIn, live, "$");
        Assert.True(difference is null, $"openapi/{file} differs from what {service} serves at {path}: {difference}. {Regenerate}");
    }

    [Fact]
    public async Task Every_service_serves_its_own_document_and_the_gateway_hides_the_system_apis()
    {
        foreach (var service in new[] { LayerService.ExperienceApi, LayerService.ProcessApi, LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.Risk })
        {
            var document = JsonNode.Parse(await layer.Client(service).GetStringAsync("/swagger/v1/swagger.json"))!;
            Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
            Assert.NotEmpty(document["paths"]!.AsObject());
        }

        var orders = JsonNode.Parse(await layer.GatewayClient.GetStringAsync("/swagger/orders/swagger.json"))!;
        Assert.Equal("apiKey", orders["components"]!["securitySchemes"]!["apiKey"]!["type"]!.GetValue<string>());
        Assert.Equal("X-Api-Key", orders["components"]!["securitySchemes"]!["apiKey"]!["name"]!.GetValue<string>());
        Assert.All(orders["paths"]!.AsObject(), p => Assert.StartsWith("/api/v1/orders", p.Key));
        var operations = JsonNode.Parse(await layer.GatewayClient.GetStringAsync("/swagger/operations/swagger.json"))!;
        Assert.All(operations["paths"]!.AsObject(), p => Assert.Matches("^/api/v1/(sagas|flows|approvals|dead-letters|operator-actions|bulk-actions|stats)", p.Key));
        using var system = await layer.GatewayClient.GetAsync("/swagger/inventory/swagger.json");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, system.StatusCode);
        using var screenings = await layer.GatewayClient.GetAsync("/api/v1/screenings");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, screenings.StatusCode); // the fourth system is internal too
    }

    private static string Regenerate =>
        $"If the change is intended, regenerate openapi/ with: {UpdateVariable}=1 ./test.sh --filter FullyQualifiedName~OpenApiContractTests";

    /// <summary>The JSON path of the first difference and both values there, or null when the documents are equal.</summary>
    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!e.ContainsKey(key) || !a.ContainsKey(key))
                    {
                        return $"{path}.{key} is {(e.ContainsKey(key) ? "only in the checked-in file" : "only in the service's document")}";
                    }

                    if (FirstDifference(e[key], a[key], $"{path}.{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= e.Count || i >= a.Count)
                    {
                        return $"{path} has {e.Count} items in the checked-in file, {a.Count} in the service's document";
                    }

                    if (FirstDifference(e[i], a[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(expected, actual)
                    ? null
                    : $"{path} is {expected?.ToJsonString(Quoted) ?? "null"} in the checked-in file, {actual?.ToJsonString(Quoted) ?? "null"} in the service's document";
        }
    }
}
