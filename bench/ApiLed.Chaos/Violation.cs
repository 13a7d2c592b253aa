namespace ApiLed.Chaos;

/// <summary>An invariant that did not hold, for one order (or for the run when <paramref name="OrderId"/> is null).</summary>
internal sealed record Violation(string Invariant, string? OrderId, string Detail);
