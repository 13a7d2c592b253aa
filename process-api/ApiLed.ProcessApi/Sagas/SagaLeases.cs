using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Which process API instance runs which saga, in the shared store: an instance claims a saga before running it and
/// lets go when the run ends; while it runs, the claim is renewed every third of <c>Saga:LeaseDuration</c>. A claim
/// that lapsed (its instance died or lost the store) may be taken by any instance, so a dead instance's sagas are
/// resumed by the others' recovery scans within the lease duration and a scan interval. Should a paused instance wake
/// up after its claim was taken, its writes still fail on the saga's version and its calls repeat under the same
/// idempotency keys: a lease keeps two runners apart, it is not what keeps the money right.
/// On SQLite (a file: one instance of the service) there is nobody to keep apart, and claims cost nothing: every saga
/// is this instance's.
/// </summary>
public sealed partial class SagaLeases(StoreDatabase database, IOptions<SagaOptions> options, TimeProvider time, ILogger<SagaLeases> logger)
    : BackgroundService
{
    public static readonly StoreSchema Schema = StoreSchema.Of("saga-leases", """
        CREATE TABLE IF NOT EXISTS saga_leases (
            order_id   TEXT PRIMARY KEY,
            owner      TEXT NOT NULL,
            expires_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_saga_leases_owner ON saga_leases (owner);
        """);

    /// <summary>This instance, as its claims name it: host, process and a random part (a restarted process is another owner).</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Whether several instances may share the store (PostgreSQL), so that claims are kept.</summary>
    public bool Shared => database.SharedByInstances;

    /// <summary>Claims <paramref name="orderId"/> for this instance; false when another instance holds a claim that has not lapsed.</summary>
    public Task<bool> TryAcquireAsync(string orderId, CancellationToken ct)
    {
        if (!Shared)
        {
            return Task.FromResult(true);
        }

        var now = time.GetUtcNow();
        return database.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            INSERT INTO saga_leases (order_id, owner, expires_at) VALUES ($id, $owner, $until)
            ON CONFLICT (order_id) DO UPDATE SET owner = $owner, expires_at = $until
              WHERE saga_leases.owner = $owner OR saga_leases.expires_at < $now
            """,
            tx, ct, ("$id", orderId), ("$owner", Owner), ("$until", (now + options.Value.LeaseDuration).ToStoreText()),
            ("$now", now.ToStoreText())) == 1, ct);
    }

    /// <summary>Lets go of this instance's claim on <paramref name="orderId"/> (a claim another instance took meanwhile is left alone).</summary>
    public Task ReleaseAsync(string orderId, CancellationToken ct) => !Shared ? Task.CompletedTask : database.WriteAsync((c, tx) =>
        c.ExecuteAsync("DELETE FROM saga_leases WHERE order_id = $id AND owner = $owner", tx, ct, ("$id", orderId), ("$owner", Owner)), ct);

    /// <summary>The instance holding a live claim on <paramref name="orderId"/>, if any.</summary>
    public Task<string?> HolderAsync(string orderId, CancellationToken ct) => database.ReadAsync(c =>
        c.ScalarAsync<string>("SELECT owner FROM saga_leases WHERE order_id = $id AND expires_at >= $now", null, ct,
            ("$id", orderId), ("$now", time.GetUtcNow().ToStoreText())), ct);

    /// <summary>The sagas other instances hold live claims on (the recovery scan leaves them to those instances).</summary>
    public async Task<HashSet<string>> HeldElsewhereAsync(CancellationToken ct) => !Shared ? [] : [.. await database.ReadAsync(c =>
        c.QueryAsync("SELECT order_id FROM saga_leases WHERE owner <> $owner AND expires_at >= $now", r => r.GetString(0), null, ct,
            ("$owner", Owner), ("$now", time.GetUtcNow().ToStoreText())), ct)];

    /// <summary>Renews this instance's claims every third of the lease duration.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (Shared && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.LeaseDuration / 3, time, stoppingToken);
                await database.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE saga_leases SET expires_at = $until WHERE owner = $owner", tx, stoppingToken,
                    ("$until", (time.GetUtcNow() + options.Value.LeaseDuration).ToStoreText()), ("$owner", Owner)), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRenewFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing this instance's saga claims failed; trying again (a claim that lapses meanwhile may be taken by another instance)")]
    private static partial void LogRenewFailed(ILogger logger, Exception ex);
}
