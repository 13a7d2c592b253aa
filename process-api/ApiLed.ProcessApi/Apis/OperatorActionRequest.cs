using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>What an operator's action on a saga or a dead letter records: who acted, and why.</summary>
public sealed record OperatorActionRequest(string? By, string? Reason)
{
    /// <summary>Both are required: <c>by</c> up to 200 characters, <c>reason</c> up to 2000.</summary>
    public FieldErrors Validate() => new FieldErrors()
        .Check(!string.IsNullOrWhiteSpace(By) && By.Length <= 200, "by", "Who acts is required (at most 200 characters).")
        .Check(!string.IsNullOrWhiteSpace(Reason) && Reason.Length <= 2000, "reason", "Why is required (at most 2000 characters).");
}
