using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>
/// Checks the run against the system APIs' own records (inventory's stock and reservations, billing's charges,
/// shipping's shipments) and the order statuses the experience API shows; the saga's own account is not consulted.
/// </summary>
internal static class InvariantChecker
{
    public const string Terminal = "every 202 order is terminal";
    public const string NoOversell = "no unit is oversold";
    public const string Money = "charged - refunded = sum of completed totals";
    public const string FailedUndone = "no failed order keeps a reservation, a charge or a shipment";
    public const string CompletedOnce = "a completed order has exactly one charge and one shipment";
    public const string SameOrder = "replays returned the same order";
    public const string Accepted = "every order sent got a 202";
    public const string Settled = "records stop changing once every order is terminal";
    public const string NoStrays = "every record belongs to an order that got a 202";
    public const string ApprovalsKept = "every approval decision is kept";

    /// <param name="ownLayer">The tool started the layer, so every record in it must be one of the run's orders.</param>
    public static List<Violation> Check(IReadOnlyList<OrderRecord> records, OrderMix mix, SystemSnapshot snapshot,
        IReadOnlyList<string> stillChanging, bool ownLayer)
    {
        var violations = new List<Violation>();
        var accepted = records.Where(r => r.OrderId is not null).ToList();
        var ours = accepted.SelectMany(r => r.AcceptedIds).ToHashSet(StringComparer.Ordinal);
        var ourSkus = mix.Skus.ToHashSet(StringComparer.Ordinal);
        var reservations = snapshot.Reservations.ToLookup(r => r.OrderId, StringComparer.Ordinal);
        var charges = snapshot.Charges.ToLookup(c => c.OrderId, StringComparer.Ordinal);
        var shipments = snapshot.Shipments.ToLookup(s => s.OrderId, StringComparer.Ordinal);

        foreach (var r in records.Where(r => r.OrderId is null))
        {
            violations.Add(new(Accepted, null, $"key {r.Planned.IdempotencyKey} ({r.Planned.Kind}) got no 202 in {r.Attempts} attempts; last: {r.LastRefusal}"));
        }

        foreach (var r in accepted)
        {
            var id = r.OrderId!;
            var status = r.Final?.Status;
            var total = r.Final?.TotalCents ?? r.TotalCents;
            var held = reservations[id].Where(x => x.Status == RecordStatuses.Reserved).ToList();
            var net = charges[id].Sum(c => c.AmountCents - c.RefundedCents);
            var liveCharges = charges[id].Where(c => c.Status == RecordStatuses.Charged).ToList();
            var liveShipments = shipments[id].Where(s => s.Status == RecordStatuses.Created).ToList();
            string Records() => $"reservation {Describe(reservations[id].Select(x => x.Status))}, charge {Describe(charges[id].Select(c => $"{c.Status} {c.AmountCents}-{c.RefundedCents}"))}, shipment {Describe(shipments[id].Select(s => s.Status))}";

            if (r.AcceptedIds.Distinct(StringComparer.Ordinal).Count() > 1)
            {
                violations.Add(new(SameOrder, id, $"key {r.Planned.IdempotencyKey} was answered with orders {string.Join(", ", r.AcceptedIds.Distinct(StringComparer.Ordinal))}"));
            }

            switch (status)
            {
                case SagaStatuses.Completed:
                    if (liveCharges.Count != 1 || charges[id].Count() != 1 || net != total)
                    {
                        violations.Add(new(CompletedOnce, id, $"completed ({r.Planned.Kind}, total {total}) but {Records()}"));
                    }
                    else if (liveShipments.Count != 1 || shipments[id].Count() != 1)
                    {
                        violations.Add(new(CompletedOnce, id, $"completed ({r.Planned.Kind}) but {Records()}"));
                    }

                    if (held.Count != 1)
                    {
                        violations.Add(new(NoOversell, id, $"completed but holds no reservation of its units: {Records()}"));
                    }

                    break;
                case SagaStatuses.Failed:
                    if (held.Count > 0 || net != 0 || liveShipments.Count > 0)
                    {
                        violations.Add(new(FailedUndone, id, $"failed ({r.Planned.Kind}; {(r.Final?.Failure is { } f ? $"at {f.Step}: {f.Reason}" : "the order shows no failure")}) but {Records()}"));
                    }

                    break;
                case SagaStatuses.NeedsAttention:
                    violations.Add(new(Terminal, id, r.OperatorRetry is { } answer
                        ? $"still needs-attention after the operator's retry (answered {answer}); {Records()}"
                        : $"needs-attention and never retried by the operator; {Records()}"));
                    break;
                default:
                    violations.Add(new(Terminal, id, $"{status ?? "never read"} after settling ({r.Planned.Kind}); {Records()}"));
                    break;
            }

            if (ApprovalDesk.Broken(r) is { } broken)
            {
                violations.Add(new(ApprovalsKept, id, $"{broken}; {Records()}"));
            }

            var expectedNet = status == SagaStatuses.Completed ? total : 0;
            if (net != expectedNet && status is SagaStatuses.Completed or SagaStatuses.Failed)
            {
                violations.Add(new(Money, id, $"{status}: billing holds {net} net ({Records()}), expected {expectedNet}"));
            }
        }

        var completed = accepted.Where(r => r.Final?.Status == SagaStatuses.Completed).ToList();
        var completedTotal = completed.Sum(r => r.Final!.TotalCents);
        var netTotal = snapshot.Charges.Where(c => ours.Contains(c.OrderId)).Sum(c => c.AmountCents - c.RefundedCents);
        if (netTotal != completedTotal)
        {
            violations.Add(new(Money, null, $"billing holds {netTotal} cents net for the run's orders, the completed orders total {completedTotal}"));
        }

        for (var i = 0; i < mix.Skus.Count; i++)
        {
            var sku = mix.Skus[i];
            var item = snapshot.Stock.FirstOrDefault(s => s.Sku == sku);
            var heldUnits = snapshot.Reservations.Where(x => x.Status == RecordStatuses.Reserved).SelectMany(x => x.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
            var completedUnits = completed.SelectMany(r => r.Final!.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
            if (item is null)
            {
                violations.Add(new(NoOversell, null, $"{sku} is missing from the inventory API"));
                continue;
            }

            if (item.Reserved > item.OnHand || completedUnits > mix.Stock[i].OnHand)
            {
                violations.Add(new(NoOversell, null, $"{sku}: {item.OnHand} on hand, {item.Reserved} reserved, {completedUnits} units in completed orders (stock was {mix.Stock[i].OnHand})"));
            }

            if (heldUnits != item.Reserved)
            {
                violations.Add(new(NoOversell, null, $"{sku}: inventory counts {item.Reserved} units reserved but its reservations hold {heldUnits}"));
            }
        }

        foreach (var id in stillChanging.Where(id => ownLayer || ours.Contains(id)))
        {
            violations.Add(new(Settled, id, "its records were still changing after every order was terminal"));
        }

        var strays = snapshot.Reservations.Where(x => ownLayer || x.Lines.Any(l => ourSkus.Contains(l.Sku))).Select(x => x.OrderId)
            .Concat(ownLayer ? snapshot.Charges.Select(c => c.OrderId).Concat(snapshot.Shipments.Select(s => s.OrderId)) : [])
            .Where(id => !ours.Contains(id)).Distinct(StringComparer.Ordinal);
        foreach (var id in strays)
        {
            violations.Add(new(NoStrays, id, $"records of an order no 202 named: reservation {Describe(reservations[id].Select(x => x.Status))}, charge {Describe(charges[id].Select(c => c.Status))}, shipment {Describe(shipments[id].Select(s => s.Status))}"));
        }

        return violations;
    }

    private static string Describe(IEnumerable<string> statuses) => statuses.ToList() is { Count: > 0 } list ? string.Join(" + ", list) : "none";
}
