using System.ComponentModel.DataAnnotations;
using ApiLed.ServiceDefaults.Hosting;
using Yarp.ReverseProxy.Configuration;

namespace ApiLed.Gateway;

/// <summary>Where the gateway forwards to (section <c>Gateway</c>).</summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    [Required]
    public Uri? ExperienceApiUrl { get; init; }

    [Required]
    public Uri? ProcessApiUrl { get; init; }
}

public static class GatewayServiceExtensions
{
    /// <summary>Headers only the gateway may set; a client's own values are dropped before forwarding.</summary>
    public static readonly string[] GatewayOwnedHeaders = ["X-Partner-Id"];

    /// <summary>
    /// YARP routes from the typed options: partners reach the experience API's orders only. The system APIs
    /// have no route at all, so nothing outside can call them through the gateway.
    /// </summary>
    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetValidated<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);

        var routes = new[]
        {
            Route("orders", "experience-api", "/api/v1/orders/{**rest}"),
        };
        var clusters = new[]
        {
            Cluster("experience-api", options.ExperienceApiUrl!),
            Cluster("process-api", options.ProcessApiUrl!),
        };
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
        return builder;
    }

    private static RouteConfig Route(string id, string cluster, string path) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        Match = new RouteMatch { Path = path },
        Transforms = [.. GatewayOwnedHeaders.Select(h => new Dictionary<string, string> { ["RequestHeaderRemove"] = h })],
    };

    private static ClusterConfig Cluster(string id, Uri address) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig> { ["primary"] = new() { Address = address.ToString() } },
    };
}
