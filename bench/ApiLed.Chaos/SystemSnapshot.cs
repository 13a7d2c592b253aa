using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>The system APIs' own records at one moment: stock, reservations, charges, shipments.</summary>
internal sealed record SystemSnapshot(
    IReadOnlyList<StockItem> Stock,
    IReadOnlyList<ReservationResponse> Reservations,
    IReadOnlyList<ChargeResponse> Charges,
    IReadOnlyList<ShipmentResponse> Shipments)
{
    /// <summary>Each order's records in one line, to see which orders' records changed between two snapshots.</summary>
    public Dictionary<string, string> ByOrder() =>
        Reservations.Select(r => (r.OrderId, Text: $"reservation {r.Status} {string.Join('+', r.Lines.Select(l => $"{l.Quantity}x{l.Sku}"))}"))
            .Concat(Charges.Select(c => (c.OrderId, Text: $"charge {c.Status} {c.AmountCents}-{c.RefundedCents}")))
            .Concat(Shipments.Select(s => (s.OrderId, Text: $"shipment {s.Status}")))
            .GroupBy(x => x.OrderId)
            .ToDictionary(g => g.Key, g => string.Join("; ", g.Select(x => x.Text).Order(StringComparer.Ordinal)));

    /// <summary>The stock lines, in one text per SKU.</summary>
    public Dictionary<string, string> BySku() => Stock.ToDictionary(s => s.Sku, s => $"{s.OnHand}/{s.Reserved}");
}
