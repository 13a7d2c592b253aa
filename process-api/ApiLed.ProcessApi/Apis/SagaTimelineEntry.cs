namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// One moment of an order's timeline: <c>kind</c> is <c>saga</c>, <c>step</c>, <c>compensation</c>, <c>wait</c>,
/// <c>approval</c>, <c>callback</c>, <c>retry</c> or <c>operator</c>; <c>what</c> says what happened (the same words in
/// every mode); <c>durationMs</c> is how long the step or undo took, when its start is known.
/// </summary>
public sealed record SagaTimelineEntry(DateTimeOffset At, string Kind, string What, string? Step, string? Detail, double? DurationMs);
