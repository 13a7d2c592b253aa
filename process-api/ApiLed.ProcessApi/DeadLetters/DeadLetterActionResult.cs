namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>What a replay or discard did: the messages it took (replayed to their queue, or dropped) and the ids asked for but not found.</summary>
public sealed record DeadLetterActionResult(string Queue, string Action, IReadOnlyList<string> Done, IReadOnlyList<string> NotFound);
