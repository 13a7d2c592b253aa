namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>One action an operator took outside a saga's own history (a dead-letter replay or discard): who, why, what.</summary>
public sealed record OperatorAction(DateTimeOffset At, string By, string Reason, string Action, string Target, string Detail);
