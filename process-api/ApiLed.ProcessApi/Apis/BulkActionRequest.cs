using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// An action on every saga a filter selects (<c>redrive</c>, <c>retry-compensation</c> or <c>cancel</c>), at most
/// <c>perSecond</c> sagas a second (1–100, default 10), with who acts and why (recorded on each saga).
/// </summary>
public sealed record BulkActionRequest(string? Action, SagaFilter? Filter, string? By, string? Reason, int? PerSecond)
{
    public static readonly string[] Actions = ["redrive", "retry-compensation", "cancel"];

    public FieldErrors Validate() => new FieldErrors()
        .Check(Action is not null && Actions.Contains(Action, StringComparer.Ordinal), "action", $"The action is one of {string.Join(", ", Actions)}.")
        .Check(Filter is not null && Filter.Normalized() != new SagaFilter(), "filter",
            "Say which sagas: at least one filter field that is not blank, e.g. \"status\": \"needs-attention\".")
        .Check(PerSecond is null or (>= 1 and <= 100), "perSecond", "1 to 100 sagas a second.")
        .Check(!string.IsNullOrWhiteSpace(By) && By.Length <= 200, "by", "Who acts is required (at most 200 characters).")
        .Check(!string.IsNullOrWhiteSpace(Reason) && Reason.Length <= 2000, "reason", "Why is required (at most 2000 characters).");
}
