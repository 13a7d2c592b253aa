using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// Keeps a store's bookkeeping tables bounded: once an hour it deletes stored idempotent answers, handled message ids
/// and the <see cref="BookkeepingTable"/>s a service registers, older than <c>Store:BookkeepingRetention</c> (long after
/// any retry or redelivery could arrive; the systems of record keep their own per-order keys for good).
/// </summary>
public sealed class StoreHousekeeping(StoreDatabase database, IOptions<StoreOptions> options, TimeProvider time,
    ILogger<StoreHousekeeping> logger, IEnumerable<BookkeepingTable>? registered = null) : BackgroundService
{
    private readonly BookkeepingTable[] bookkeeping =
        [new("idempotency_keys", "created_at"), new("inbox", "processed_at"), .. registered ?? []];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
                await PurgeAsync(time.GetUtcNow() - options.Value.BookkeepingRetention, stoppingToken);
                await Task.Delay(TimeSpan.FromHours(1), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Store housekeeping failed ({Error}); trying again later", ex.Message);
            }
        }
    }

    /// <summary>Deletes bookkeeping rows written before <paramref name="before"/> from the tables this store has.</summary>
    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) => database.WriteAsync(async (c, tx) =>
    {
        var deleted = 0;
        foreach (var (table, column) in bookkeeping)
        {
            if (await database.TableExistsAsync(c, tx, table, ct))
            {
                deleted += await c.ExecuteAsync($"DELETE FROM {table} WHERE {column} < $before", tx, ct, ("$before", before.ToStoreText()));
            }
        }

        return deleted;
    }, ct);
}
