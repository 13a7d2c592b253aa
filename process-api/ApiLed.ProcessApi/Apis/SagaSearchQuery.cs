namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// What operators search sagas by (every field optional, all combined): partner, customer, order id (or its start),
/// correlation id, flow, mode, status, failed step, and a time range on when the saga started; newest first, a page
/// at a time (<c>limit</c>, 1–200, default 50) continued with the <c>cursor</c> the page before returned.
/// </summary>
public sealed record SagaSearchQuery(
    string? Partner = null,
    string? Customer = null,
    string? OrderId = null,
    string? CorrelationId = null,
    string? Flow = null,
    string? Mode = null,
    string? Status = null,
    string? FailedStep = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Cursor = null,
    int? Limit = null)
{
    public Sagas.SagaFilter ToFilter() => new(Blank(Partner), Blank(Customer), Blank(OrderId), Blank(CorrelationId), Blank(Flow), Blank(Mode),
        Blank(Status), Blank(FailedStep), From, To);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
