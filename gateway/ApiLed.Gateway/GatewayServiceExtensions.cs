using System.ComponentModel.DataAnnotations;
using ApiLed.Gateway.Partners;
using ApiLed.ServiceDefaults.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace ApiLed.Gateway;

/// <summary>Where the gateway forwards to (section <c>Gateway</c>).</summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    [Required]
    [HttpAddress]
    public Uri? ExperienceApiUrl { get; init; }

    [Required]
    [HttpAddress]
    public Uri? ProcessApiUrl { get; init; }

    /// <summary>More experience API instances besides <see cref="ExperienceApiUrl"/>: requests are balanced across the ready ones.</summary>
    [HttpAddress]
    public Uri[] ExperienceApiReplicas { get; init; } = [];

    /// <summary>More process API instances besides <see cref="ProcessApiUrl"/>: requests are balanced across the ready ones.</summary>
    [HttpAddress]
    public Uri[] ProcessApiReplicas { get; init; } = [];
}

/// <summary>
/// One API the gateway publishes: the paths it routes, the cluster behind them, who may call it, and its entry in
/// the gateway's Swagger UI. A cluster marked <see cref="Essential"/> makes the gateway unready when it is down.
/// </summary>
public sealed record PublicApi(string Name, string Title, string Cluster, string Policy, IReadOnlyList<string> PathPrefixes, bool Essential)
{
    /// <summary>The HTTP methods its operations use; any other method on its paths gets 405 with <c>Allow</c>.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["GET", "POST"];
}

/// <summary>What partners and operators can reach. The system APIs have no entry, so nothing outside can call them.</summary>
public static class PublicApis
{
    public const string ExperienceCluster = "experience-api";
    public const string ProcessCluster = "process-api";

    public static readonly PublicApi Orders = new("orders", "Orders API (partners)", ExperienceCluster, GatewayPolicies.Partner,
        ["/api/v1/orders"], Essential: true);

    public static readonly PublicApi Operations = new("operations", "Process API: sagas, flows, approvals, dead letters (operators)", ProcessCluster,
        GatewayPolicies.Operator, ["/api/v1/sagas", "/api/v1/flows", "/api/v1/approvals", "/api/v1/dead-letters", "/api/v1/operator-actions",
            "/api/v1/bulk-actions", "/api/v1/stats"], Essential: false);

    public static readonly IReadOnlyList<PublicApi> All = [Orders, Operations];
}

public static class GatewayServiceExtensions
{
    /// <summary>The header that tells the services behind the gateway which partner is calling.</summary>
    public const string PartnerHeader = "X-Partner-Id";

    /// <summary>
    /// YARP routes from <see cref="PublicApis"/>: each behind its authorization policy and the per-partner rate limit,
    /// with the caller's partner id set by the gateway (a client's own <c>X-Partner-Id</c> and its API key are never forwarded).
    /// </summary>
    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetValidated<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);

        // Header bytes are read as Latin-1, never refused by Kestrel with a bare 400: ForwardableHeaders then answers
        // a value that cannot be forwarded with a problem naming the header.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1);

        var routes = PublicApis.All
            .SelectMany(api => api.PathPrefixes.Select((prefix, i) => new RouteConfig
            {
                RouteId = $"{api.Name}-{i}",
                ClusterId = api.Cluster,
                Match = new RouteMatch { Path = prefix + "/{**rest}", Methods = api.Methods },
                AuthorizationPolicy = api.Policy,
                RateLimiterPolicy = GatewayPolicies.PerPartnerRateLimit,
            }))
            .ToArray();
        var clusters = new[]
        {
            Cluster(PublicApis.ExperienceCluster, [options.ExperienceApiUrl!, .. options.ExperienceApiReplicas]),
            Cluster(PublicApis.ProcessCluster, [options.ProcessApiUrl!, .. options.ProcessApiReplicas]),
        };
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddTransforms(context => context.AddRequestTransform(transform =>
            {
                var headers = transform.ProxyRequest.Headers;
                headers.Remove(PartnerHeader);
                headers.Remove(ApiKeyAuthenticationHandler.HeaderName);
                if (PartnerClaims.PartnerIdOf(transform.HttpContext.User) is { } partner)
                {
                    headers.TryAddWithoutValidation(PartnerHeader, partner);
                }

                return ValueTask.CompletedTask;
            }));

        builder.Services.AddHttpClient(DestinationsHealthCheck.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(3));
        builder.Services.AddHealthChecks().AddCheck<DestinationsHealthCheck>("destinations", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// A cluster of one or more instances of a service. With several, YARP balances requests across them (power of two
    /// choices) and leaves out an instance whose <c>/health/ready</c> fails twice in a row (asked every 5 s) or whose
    /// connections fail, until it is ready again.
    /// </summary>
    private static ClusterConfig Cluster(string id, IReadOnlyList<Uri> addresses) => new()
    {
        ClusterId = id,
        Destinations = addresses.Select((address, i) => (Name: i == 0 ? "primary" : $"replica-{i}", address))
            .ToDictionary(d => d.Name, d => new DestinationConfig { Address = d.address.ToString() }),
        LoadBalancingPolicy = addresses.Count > 1 ? "PowerOfTwoChoices" : null,
        HealthCheck = addresses.Count > 1
            ? new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true, Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(2), Path = "/health/ready",
                    Policy = "ConsecutiveFailures",
                },
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(10) },
            }
            : null,
    };
}
