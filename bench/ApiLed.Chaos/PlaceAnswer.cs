namespace ApiLed.Chaos;

/// <summary>One answer to <c>POST /api/v1/orders</c>: the status (0 for no answer), and for a 202 the order it names.</summary>
internal sealed record PlaceAnswer(int Status, string? OrderId, long TotalCents, bool Replayed, string? Error)
{
    public bool Accepted => Status == 202 && OrderId is not null;

    /// <summary>No answer, a 5xx, 408 or 429: a client sends the same request (same key) again.</summary>
    public bool Retryable => Status is 0 or 408 or 429 or >= 500;
}
