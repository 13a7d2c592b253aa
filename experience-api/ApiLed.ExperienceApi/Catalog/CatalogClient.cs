using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ExperienceApi.Catalog;

/// <summary>Where the catalogue comes from (section <c>Catalog</c>).</summary>
public sealed record CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>Base URL of the inventory system API, which owns SKUs and prices.</summary>
    [Required]
    [HttpAddress]
    public Uri? InventoryUrl { get; init; }

    /// <summary>More inventory instances besides <see cref="InventoryUrl"/> (<c>Catalog__InventoryReplicas__0</c>, ...).</summary>
    [HttpAddress]
    public Uri[] InventoryReplicas { get; init; } = [];

    /// <summary>How long a fetched catalogue is used before it is fetched again.</summary>
    public TimeSpan CacheFor { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The inventory could not be reached and no catalogue was ever fetched.</summary>
public sealed class CatalogUnavailableException(Exception inner) : Exception("The product catalogue is unavailable.", inner);

/// <summary>
/// SKUs and prices for validating and pricing orders, read from the inventory system API and cached, so a
/// slow or briefly unreachable inventory does not stop orders being accepted (the last catalogue is used).
/// </summary>
public sealed class ProductCatalog(IHttpClientFactory clients, Microsoft.Extensions.Options.IOptions<CatalogOptions> options, TimeProvider time,
    ILogger<ProductCatalog> logger) : IDisposable
{
    public const string HttpClientName = "inventory-api";
    private readonly SemaphoreSlim refresh = new(1, 1);
    private (IReadOnlyDictionary<string, StockItem> Items, DateTimeOffset FetchedAt)? cached;

    public void Dispose() => refresh.Dispose();

    /// <summary>
    /// The catalogue, from the cache while it is fresh. <paramref name="forceRefresh"/> (an order named a SKU the cache
    /// lacks) fetches it again; callers who wait for the same refresh share its result instead of fetching again.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, StockItem>> GetAsync(bool forceRefresh, CancellationToken ct)
    {
        var asked = time.GetUtcNow();
        if (!forceRefresh && cached is { } fresh && asked - fresh.FetchedAt < options.Value.CacheFor)
        {
            return fresh.Items;
        }

        await refresh.WaitAsync(ct);
        try
        {
            if (cached is { } meanwhile && meanwhile.FetchedAt >= asked)
            {
                return meanwhile.Items;
            }

            var http = clients.CreateClient(HttpClientName);
            var items = await http.GetFromJsonAsync<List<StockItem>>("/api/v1/stock", JsonSerializerOptions.Web, ct) ?? [];
            var catalog = items.ToDictionary(i => i.Sku, StringComparer.Ordinal);
            cached = (catalog, time.GetUtcNow());
            return catalog;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or Polly.Timeout.TimeoutRejectedException
                                       or Polly.CircuitBreaker.BrokenCircuitException)
        {
            if (cached is { } stale)
            {
                logger.LogWarning("Catalogue refresh failed ({Error}); using the one from {FetchedAt}", ex.Message, stale.FetchedAt);
                return stale.Items;
            }

            throw new CatalogUnavailableException(ex);
        }
        finally
        {
            refresh.Release();
        }
    }
}
