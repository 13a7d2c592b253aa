using System.Text.Json;
using System.Text.Json.Nodes;
using ApiLed.Gateway.Partners;
using ApiLed.ServiceDefaults.Hosting;
using Yarp.ReverseProxy;

namespace ApiLed.Gateway.OpenApi;

/// <summary>
/// The gateway's Swagger UI at <c>/swagger</c>: one entry per <see cref="PublicApi"/> in its selector. Each document is
/// the service's own OpenAPI document (fetched live from <c>/swagger/v1/swagger.json</c> behind the gateway), cut down to
/// the paths the gateway routes and told how to authenticate (<c>X-Api-Key</c>), so "Try it out" goes through the gateway.
/// </summary>
public static class GatewayOpenApi
{
    public const string HttpClientName = "openapi-sources";
    public const string SecuritySchemeName = "apiKey";
    public const string ServiceDocumentPath = "/swagger/v1/swagger.json";

    public static string DocumentPath(PublicApi api) => $"/swagger/{api.Name}/swagger.json";

    public static WebApplicationBuilder AddGatewayOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>The Swagger UI page and its assets (before routing; its own paths only).</summary>
    public static WebApplication UseGatewaySwaggerUi(this WebApplication app)
    {
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "swagger";
            ui.DocumentTitle = "ApiLed gateway";
            foreach (var api in PublicApis.All)
            {
                ui.SwaggerEndpoint(DocumentPath(api), api.Title);
            }

            ui.DisplayRequestDuration();
        });
        return app;
    }

    /// <summary><c>GET /swagger/{api}/swagger.json</c>: the gateway's view of one public API's document (no key needed).</summary>
    public static IEndpointRouteBuilder MapGatewayOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/swagger/{name}/swagger.json", async (string name, IProxyStateLookup proxy, IHttpClientFactory clients, CancellationToken ct) =>
            {
                if (PublicApis.All.FirstOrDefault(a => a.Name == name) is not { } api)
                {
                    return Problems.Of(StatusCodes.Status404NotFound, "api-not-found", "No such API.",
                        $"The gateway documents: {string.Join(", ", PublicApis.All.Select(a => a.Name))}.");
                }

                var address = proxy.TryGetCluster(api.Cluster, out var cluster)
                    ? cluster.Destinations.Values.Select(d => d.Model.Config.Address).FirstOrDefault()
                    : null;
                JsonObject? source = null;
                try
                {
                    if (address is not null)
                    {
                        var json = await clients.CreateClient(HttpClientName).GetStringAsync(new Uri(new Uri(address), ServiceDocumentPath), ct);
                        source = JsonNode.Parse(json) as JsonObject;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                {
                    source = null;
                }

                return source is null
                    ? Problems.Of(StatusCodes.Status502BadGateway, "api-document-unavailable", "The API's document is unavailable.",
                        $"The {api.Cluster} did not serve {ServiceDocumentPath}; try again shortly.")
                    : Results.Text(Compose(source, api).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), "application/json");
            })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The partner-facing document of <paramref name="api"/> made from its service's own document.</summary>
    public static JsonObject Compose(JsonObject source, PublicApi api)
    {
        var document = (JsonObject)source.DeepClone();
        if (document["paths"] is JsonObject paths)
        {
            foreach (var path in paths.Select(p => p.Key).ToList()
                         .Where(p => !api.PathPrefixes.Any(prefix => p == prefix || p.StartsWith(prefix + "/", StringComparison.Ordinal))))
            {
                paths.Remove(path);
            }

            var hasProblemSchema = document["components"]?["schemas"]?["ProblemDetails"] is not null;
            foreach (var operation in paths.Select(p => p.Value).OfType<JsonObject>().SelectMany(p => p.Select(o => o.Value)).OfType<JsonObject>())
            {
                if (operation["responses"] is not JsonObject responses)
                {
                    continue;
                }

                AddResponse(responses, "401", "No API key, or a wrong or revoked one (X-Api-Key).", hasProblemSchema);
                if (api.Policy == GatewayPolicies.Operator)
                {
                    AddResponse(responses, "403", "Your partner account does not have the operator role.", hasProblemSchema);
                }

                AddResponse(responses, "429", "Over your rate limit: wait the seconds in Retry-After.", hasProblemSchema);
            }
        }

        document["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "the ApiLed gateway" });
        var components = document["components"] as JsonObject ?? (JsonObject)(document["components"] = new JsonObject());
        var schemes = components["securitySchemes"] as JsonObject ?? (JsonObject)(components["securitySchemes"] = new JsonObject());
        schemes[SecuritySchemeName] = new JsonObject
        {
            ["type"] = "apiKey",
            ["in"] = "header",
            ["name"] = ApiKeyAuthenticationHandler.HeaderName,
            ["description"] = "Your partner API key. Every request needs it; the gateway answers 401 without a valid one.",
        };
        document["security"] = new JsonArray(new JsonObject { [SecuritySchemeName] = new JsonArray() });

        if (document["info"] is JsonObject info)
        {
            var audience = api.Policy == GatewayPolicies.Operator ? "for partners with the operator role" : "for partners";
            info["description"] = $"{info["description"]?.GetValue<string>()} Served by the ApiLed gateway {audience}: " +
                                  $"send your API key in the {ApiKeyAuthenticationHandler.HeaderName} header (Authorize button). " +
                                  "Requests are rate-limited per partner (429 with Retry-After).";
        }

        return document;
    }

    private static void AddResponse(JsonObject responses, string status, string description, bool hasProblemSchema)
    {
        if (responses.ContainsKey(status))
        {
            return;
        }

        var response = new JsonObject { ["description"] = description };
        if (hasProblemSchema)
        {
            response["content"] = new JsonObject
            {
                ["application/problem+json"] = new JsonObject
                {
                    ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/ProblemDetails" },
                },
            };
        }

        responses[status] = response;
    }
}
