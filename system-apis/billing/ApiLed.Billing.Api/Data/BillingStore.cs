using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace ApiLed.Billing.Api;

public abstract record ChargeResult
{
    public sealed record Charged(ChargeResponse Charge, bool Existing) : ChargeResult;

    public sealed record Declined(string Reason) : ChargeResult;

    public sealed record UnknownAccount : ChargeResult;

    public sealed record Closed(ChargeResponse Charge) : ChargeResult;

    public sealed record AmountMismatch(ChargeResponse Charge) : ChargeResult;
}

/// <summary>
/// Charges and refunds, one charge per order at most (the order id is the key), so no order is charged twice
/// whatever the retries. Refunding twice is harmless; a refund that arrives before its charge leaves a
/// 'voided' tombstone that refuses the late charge.
/// </summary>
public sealed class BillingStore(StoreDatabase database, IOptions<BillingOptions> options, TimeProvider time)
{
    private static readonly StoreSchema Schema = StoreSchema.Of("billing", """
        CREATE TABLE IF NOT EXISTS accounts (
            payment_reference TEXT PRIMARY KEY,
            holder            TEXT NOT NULL,
            declines          INTEGER NOT NULL,
            decline_reason    TEXT);
        CREATE TABLE IF NOT EXISTS charges (
            order_id          TEXT PRIMARY KEY,
            charge_id         TEXT NOT NULL,
            payment_reference TEXT NOT NULL,
            status            TEXT NOT NULL,
            amount_cents      INTEGER NOT NULL,
            refunded_cents    INTEGER NOT NULL DEFAULT 0,
            currency          TEXT NOT NULL,
            created_at        TEXT NOT NULL,
            updated_at        TEXT NOT NULL);
        """);

    private const string SelectCharge = "SELECT order_id, charge_id, status, amount_cents, refunded_cents, currency, updated_at FROM charges";

    public async Task InitializeAsync(CancellationToken ct)
    {
        await database.MigrateAsync([Schema, IdempotentRequests.Schema, InboxStore.Schema], ct);
        await database.WriteAsync(async (c, tx) =>
        {
            foreach (var account in options.Value.Seed)
            {
                await c.ExecuteAsync(
                    "INSERT INTO accounts (payment_reference, holder, declines, decline_reason) VALUES ($ref, $holder, $declines, $reason) ON CONFLICT DO NOTHING",
                    tx, ct, ("$ref", account.PaymentReference), ("$holder", account.Holder), ("$declines", account.Declines ? 1 : 0),
                    ("$reason", account.DeclineReason));
            }

            return 0;
        }, ct);
    }

    public Task<List<ChargeResponse>> ListAsync(CancellationToken ct) => database.ReadAsync(c =>
        c.QueryAsync(SelectCharge + " ORDER BY created_at", Read, null, ct), ct);

    public Task<ChargeResponse?> FindAsync(string orderId, CancellationToken ct) => database.ReadAsync(c => FindAsync(c, null, orderId, ct), ct);

    public async Task<ChargeResult> ChargeAsync(DbConnection c, DbTransaction tx, ChargeRequest request, CancellationToken ct)
    {
        if (await FindAsync(c, tx, request.OrderId, ct) is { } existing)
        {
            return existing switch
            {
                { Status: not RecordStatuses.Charged } => new ChargeResult.Closed(existing),
                _ when existing.AmountCents != request.AmountCents => new ChargeResult.AmountMismatch(existing),
                _ => new ChargeResult.Charged(existing, true),
            };
        }

        var account = await c.QueryAsync("SELECT declines, decline_reason FROM accounts WHERE payment_reference = $ref",
            r => (Declines: r.GetInt(0) == 1, Reason: r.GetNullableString("decline_reason")), tx, ct, ("$ref", request.PaymentReference));
        if (account is not [var found])
        {
            return new ChargeResult.UnknownAccount();
        }

        if (found.Declines)
        {
            return new ChargeResult.Declined(found.Reason ?? "declined by the issuer");
        }

        var now = time.GetUtcNow();
        var charge = new ChargeResponse(request.OrderId, "ch_" + Guid.CreateVersion7().ToString("N"), RecordStatuses.Charged,
            request.AmountCents, 0, request.Currency, now);
        await c.ExecuteAsync(
            """
            INSERT INTO charges (order_id, charge_id, payment_reference, status, amount_cents, currency, created_at, updated_at)
            VALUES ($order, $charge, $ref, $status, $amount, $currency, $at, $at)
            """, tx, ct, ("$order", charge.OrderId), ("$charge", charge.ChargeId), ("$ref", request.PaymentReference),
            ("$status", charge.Status), ("$amount", charge.AmountCents), ("$currency", charge.Currency), ("$at", now.ToStoreText()));
        return new ChargeResult.Charged(charge, false);
    }

    public async Task<ChargeResponse> RefundAsync(DbConnection c, DbTransaction tx, string orderId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var existing = await FindAsync(c, tx, orderId, ct);
        if (existing is null)
        {
            var voided = new ChargeResponse(orderId, "ch_" + Guid.CreateVersion7().ToString("N"), RecordStatuses.Voided, 0, 0, "EUR", now);
            await c.ExecuteAsync(
                """
                INSERT INTO charges (order_id, charge_id, payment_reference, status, amount_cents, currency, created_at, updated_at)
                VALUES ($order, $charge, '', $status, 0, 'EUR', $at, $at)
                """, tx, ct, ("$order", orderId), ("$charge", voided.ChargeId), ("$status", voided.Status), ("$at", now.ToStoreText()));
            return voided;
        }

        if (existing.Status != RecordStatuses.Charged)
        {
            return existing;
        }

        await c.ExecuteAsync("UPDATE charges SET status = $status, refunded_cents = amount_cents, updated_at = $at WHERE order_id = $order",
            tx, ct, ("$order", orderId), ("$status", RecordStatuses.Refunded), ("$at", now.ToStoreText()));
        return existing with { Status = RecordStatuses.Refunded, RefundedCents = existing.AmountCents, UpdatedAt = now };
    }

    private static Task<ChargeResponse?> FindAsync(DbConnection c, DbTransaction? tx, string orderId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync(SelectCharge + " WHERE order_id = $order", Read, tx, ct, ("$order", orderId));

    private static ChargeResponse Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetLong(3), r.GetLong(4), r.GetString(5), r.GetTimestamp("updated_at"));
}
