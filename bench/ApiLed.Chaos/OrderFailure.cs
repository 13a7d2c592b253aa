namespace ApiLed.Chaos;

/// <summary>Why an order failed, as the experience API shows it.</summary>
internal sealed record OrderFailure(string Step, string Reason);
