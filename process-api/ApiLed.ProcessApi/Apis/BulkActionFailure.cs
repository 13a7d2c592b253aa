namespace ApiLed.ProcessApi.Apis;

/// <summary>A saga a bulk action could not act on, and why (the answer the single action would have given).</summary>
public sealed record BulkActionFailure(string OrderId, string Error);
