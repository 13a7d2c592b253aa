using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>An order as the experience API shows it (the fields the checks need).</summary>
internal sealed record OrderView(string OrderId, string Status, long TotalCents, IReadOnlyList<PricedOrderLine> Lines, OrderFailure? Failure)
{
    public bool IsTerminal => SagaStatuses.IsTerminal(Status);
}
