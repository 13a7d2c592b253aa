using ApiLed.Messaging;
using ApiLed.Risk.Api.Apis;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace ApiLed.Risk.Api;

/// <summary>
/// Screenings, one per order at most (the order id is the key): screening again answers the first decision. Voiding
/// twice is harmless; a void that arrives before its screening leaves a 'voided' tombstone that refuses the late one.
/// </summary>
public sealed class RiskStore(StoreDatabase database, IOptions<RiskOptions> options, TimeProvider time)
{
    private static readonly StoreSchema Schema = StoreSchema.Of("risk", """
        CREATE TABLE IF NOT EXISTS screenings (
            order_id     TEXT PRIMARY KEY,
            screening_id TEXT NOT NULL,
            decision     TEXT NOT NULL,
            reason       TEXT NOT NULL,
            status       TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL);
        """);

    private const string SelectScreening = "SELECT order_id, screening_id, decision, reason, status, updated_at FROM screenings";

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema, IdempotentRequests.Schema, InboxStore.Schema], ct);

    public Task<List<ScreeningResponse>> ListAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync(SelectScreening + " ORDER BY created_at", Read, null, ct), ct);

    public Task<ScreeningResponse?> FindAsync(string orderId, CancellationToken ct) => database.ReadAsync(c => FindAsync(c, null, orderId, ct), ct);

    /// <summary>The order's screening: the one made earlier, or a new one decided by the rules now.</summary>
    public async Task<ScreeningResponse> ScreenAsync(DbConnection c, DbTransaction tx, ScreeningRequest request, CancellationToken ct)
    {
        if (await FindAsync(c, tx, request.OrderId, ct) is { } existing)
        {
            return existing;
        }

        var (decision, reason) = Decide(request);
        var now = time.GetUtcNow();
        var screening = new ScreeningResponse(request.OrderId, "scr_" + Guid.CreateVersion7().ToString("N"), decision, reason,
            ScreeningDecisions.Active, now);
        await c.ExecuteAsync(
            """
            INSERT INTO screenings (order_id, screening_id, decision, reason, status, created_at, updated_at)
            VALUES ($order, $id, $decision, $reason, $status, $at, $at)
            """, tx, ct, ("$order", screening.OrderId), ("$id", screening.ScreeningId), ("$decision", decision), ("$reason", reason),
            ("$status", screening.Status), ("$at", now.ToStoreText()));
        return screening;
    }

    /// <summary>Voids the order's screening (the undo of a screening); without one, leaves a voided tombstone.</summary>
    public async Task<ScreeningResponse> VoidAsync(DbConnection c, DbTransaction tx, string orderId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await FindAsync(c, tx, orderId, ct) is not { } existing)
        {
            var tombstone = new ScreeningResponse(orderId, "scr_" + Guid.CreateVersion7().ToString("N"), ScreeningDecisions.Deny,
                "voided before it was screened", ScreeningDecisions.Voided, now);
            await c.ExecuteAsync(
                """
                INSERT INTO screenings (order_id, screening_id, decision, reason, status, created_at, updated_at)
                VALUES ($order, $id, $decision, $reason, $status, $at, $at)
                """, tx, ct, ("$order", orderId), ("$id", tombstone.ScreeningId), ("$decision", tombstone.Decision),
                ("$reason", tombstone.Reason), ("$status", tombstone.Status), ("$at", now.ToStoreText()));
            return tombstone;
        }

        if (existing.Status == ScreeningDecisions.Voided)
        {
            return existing;
        }

        await c.ExecuteAsync("UPDATE screenings SET status = $status, updated_at = $at WHERE order_id = $order",
            tx, ct, ("$order", orderId), ("$status", ScreeningDecisions.Voided), ("$at", now.ToStoreText()));
        return existing with { Status = ScreeningDecisions.Voided, UpdatedAt = now };
    }

    private (string Decision, string Reason) Decide(ScreeningRequest request)
    {
        var rules = options.Value;
        if (request.TotalCents > rules.DenyAboveCents)
        {
            return (ScreeningDecisions.Deny, $"the total {request.TotalCents} cents is above the limit of {rules.DenyAboveCents}");
        }

        if (rules.DeniedCustomers.Contains(request.CustomerId, StringComparer.Ordinal))
        {
            return (ScreeningDecisions.Deny, $"customer '{request.CustomerId}' is on the deny list");
        }

        if (rules.DeniedCountries.Contains(request.Country, StringComparer.OrdinalIgnoreCase))
        {
            return (ScreeningDecisions.Deny, $"orders to '{request.Country}' are denied");
        }

        return (ScreeningDecisions.Allow, "no rule matched");
    }

    private static Task<ScreeningResponse?> FindAsync(DbConnection c, DbTransaction? tx, string orderId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync(SelectScreening + " WHERE order_id = $order", Read, tx, ct, ("$order", orderId));

    private static ScreeningResponse Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetTimestamp("updated_at"));
}
