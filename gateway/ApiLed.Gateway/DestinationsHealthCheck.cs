using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace ApiLed.Gateway;

/// <summary>
/// The gateway's readiness covers its destinations: every destination of every cluster is asked for its own
/// <c>/health/ready</c>. Unhealthy when no destination of an essential (partner-facing) API is ready, degraded when
/// some destination is not (an operator API's, or one of several instances).
/// </summary>
public sealed class DestinationsHealthCheck(IProxyStateLookup proxy, IHttpClientFactory clients) : IHealthCheck
{
    public const string HttpClientName = "destination-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var http = clients.CreateClient(HttpClientName);
        var probes = proxy.GetClusters()
            .SelectMany(cluster => cluster.Destinations.Select(d => (Cluster: cluster.ClusterId, Destination: d.Key, Address: d.Value.Model.Config.Address)))
            .Select(async d => (d.Cluster, d.Destination, d.Address, Problem: await ProbeAsync(http, d.Address, cancellationToken)))
            .ToList();
        var results = await Task.WhenAll(probes);

        var data = results.ToDictionary(r => $"{r.Cluster}/{r.Destination}", r => (object)(r.Problem ?? "ready"));
        var down = results.Where(r => r.Problem is not null).ToList();
        if (down.Count == 0)
        {
            return HealthCheckResult.Healthy($"{results.Length} destinations ready", data);
        }

        var essential = PublicApis.All.Where(a => a.Essential).Select(a => a.Cluster).ToHashSet(StringComparer.Ordinal);
        var description = string.Join("; ", down.Select(r => $"{r.Cluster} at {r.Address}: {r.Problem}"));
        var noneReady = results.GroupBy(r => r.Cluster).Where(g => g.All(r => r.Problem is not null)).Select(g => g.Key);
        return noneReady.Any(essential.Contains)
            ? HealthCheckResult.Unhealthy(description, data: data)
            : HealthCheckResult.Degraded(description, data: data);
    }

    private static async Task<string?> ProbeAsync(HttpClient http, string address, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(address), "/health/ready"), ct);
            return response.IsSuccessStatusCode ? null : $"/health/ready answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex is TaskCanceledException ? "/health/ready did not answer in time" : ex.Message;
        }
    }
}
