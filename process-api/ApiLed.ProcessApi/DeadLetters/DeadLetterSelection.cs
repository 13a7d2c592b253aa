using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>
/// Which dead letters of a queue an operator replays or discards (the given message ids, or <c>all</c>, up to 1,000 at a
/// time), who does it and why.
/// </summary>
public sealed record DeadLetterSelection(IReadOnlyList<string>? MessageIds, bool? All, string? By, string? Reason)
{
    public const int MaxAtOnce = 1000;

    public FieldErrors Validate() => new FieldErrors()
        .Check((All == true) != (MessageIds is { Count: > 0 }), "messageIds", "Name the messages (messageIds) or set all to true, not both.")
        .Check(MessageIds is null || (MessageIds.Count <= MaxAtOnce && MessageIds.All(id => !string.IsNullOrWhiteSpace(id))), "messageIds",
            $"At most {MaxAtOnce} message ids, none empty.")
        .Check(!string.IsNullOrWhiteSpace(By) && By.Length <= 200, "by", "Who acts is required (at most 200 characters).")
        .Check(!string.IsNullOrWhiteSpace(Reason) && Reason.Length <= 2000, "reason", "Why is required (at most 2000 characters).");
}
