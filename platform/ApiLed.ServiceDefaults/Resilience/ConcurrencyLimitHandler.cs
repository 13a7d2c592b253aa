namespace ApiLed.ServiceDefaults.Resilience;

/// <summary>
/// At most a given number of requests in flight to one downstream API; the others wait their turn. The wait counts
/// against the attempt's timeout (this handler sits inside the per-attempt timeout), so nothing waits forever.
/// </summary>
public sealed class ConcurrencyLimitHandler(int limit) : DelegatingHandler
{
    private readonly SemaphoreSlim slots = new(limit, limit);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            slots.Dispose();
        }

        base.Dispose(disposing);
    }
}
