using Microsoft.AspNetCore.Mvc;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Which sagas a search or a bulk action takes: every field that is set must match (null = any): partner, customer,
/// order id (or its start), correlation id, flow, mode, status, failed step, and a time range on when the saga started.
/// </summary>
public sealed record SagaFilter(
    [FromQuery(Name = "partner")] string? Partner = null,
    [FromQuery(Name = "customer")] string? Customer = null,
    [FromQuery(Name = "orderId")] string? OrderId = null,
    [FromQuery(Name = "correlationId")] string? CorrelationId = null,
    [FromQuery(Name = "flow")] string? Flow = null,
    [FromQuery(Name = "mode")] string? Mode = null,
    [FromQuery(Name = "status")] string? Status = null,
    [FromQuery(Name = "failedStep")] string? FailedStep = null,
    [FromQuery(Name = "from")] DateTimeOffset? From = null,
    [FromQuery(Name = "to")] DateTimeOffset? To = null)
{
    /// <summary>The same filter with blank fields as unset and the others trimmed.</summary>
    public SagaFilter Normalized() => new(Blank(Partner), Blank(Customer), Blank(OrderId), Blank(CorrelationId), Blank(Flow), Blank(Mode),
        Blank(Status), Blank(FailedStep), From, To);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
