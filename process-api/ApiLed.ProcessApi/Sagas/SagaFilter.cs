using Microsoft.AspNetCore.Mvc;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Which sagas a search or a bulk action takes: every field that is set must match (null = any): partner, customer,
/// order id (or its start), correlation id, flow, mode, status, failed step, and a time range on when the saga started.
/// </summary>
/// <remarks>
/// Properties rather than a positional record: the Request Delegate Generator writes <c>typeof(string?)</c> for the
/// constructor parameters of an <c>[AsParameters]</c> record, which does not compile.
/// </remarks>
public sealed record SagaFilter
{
    [FromQuery(Name = "partner")] public string? Partner { get; init; }
    [FromQuery(Name = "customer")] public string? Customer { get; init; }
    [FromQuery(Name = "orderId")] public string? OrderId { get; init; }
    [FromQuery(Name = "correlationId")] public string? CorrelationId { get; init; }
    [FromQuery(Name = "flow")] public string? Flow { get; init; }
    [FromQuery(Name = "mode")] public string? Mode { get; init; }
    [FromQuery(Name = "status")] public string? Status { get; init; }
    [FromQuery(Name = "failedStep")] public string? FailedStep { get; init; }
    [FromQuery(Name = "from")] public DateTimeOffset? From { get; init; }
    [FromQuery(Name = "to")] public DateTimeOffset? To { get; init; }

    /// <summary>The same filter with blank fields as unset and the others trimmed.</summary>
    public SagaFilter Normalized() => this with
    {
        Partner = Blank(Partner), Customer = Blank(Customer), OrderId = Blank(OrderId), CorrelationId = Blank(CorrelationId),
        Flow = Blank(Flow), Mode = Blank(Mode), Status = Blank(Status), FailedStep = Blank(FailedStep),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
