namespace ApiLed.ProcessApi.Apis;

/// <summary>A callback taken: the order, the step it completed and how (<c>succeeded</c> or <c>failed</c>).</summary>
public sealed record CallbackReceipt(string OrderId, string Step, string Outcome);
