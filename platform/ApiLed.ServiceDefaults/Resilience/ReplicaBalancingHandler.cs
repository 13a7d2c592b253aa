namespace ApiLed.ServiceDefaults.Resilience;

/// <summary>
/// Spreads the calls of one client over the instances of a downstream service: the client's base address (the first
/// instance) and its replicas, in turn. A call whose connection cannot be made (nothing was sent, so it is safe to
/// move) goes on at once to the next instance, and that instance is left out for <see cref="OutFor"/>; when every
/// instance is out they are all tried again. Sits inside the resilience pipeline, so each retry of a call is balanced
/// too, and errors other than a refused connection are left to the pipeline.
/// </summary>
public sealed class ReplicaBalancingHandler : DelegatingHandler
{
    /// <summary>How long an instance whose connection failed is left out.</summary>
    public static readonly TimeSpan OutFor = TimeSpan.FromSeconds(5);

    private readonly Uri[] instances;
    private readonly long[] outUntil;
    private readonly TimeProvider clock;
    private int next = -1;

    /// <param name="instances">The base URLs of the instances; the first is the one the client's base address names.</param>
    /// <param name="clock">The time the left-out instances are measured by.</param>
    public ReplicaBalancingHandler(IReadOnlyList<Uri> instances, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfZero(instances.Count);
        this.instances = [.. instances.Select(WithSlash)];
        outUntil = new long[this.instances.Length];
        this.clock = clock;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (instances.Length == 1 || request.RequestUri is not { IsAbsoluteUri: true } asked || Relative(asked) is not { } path)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var first = Pick();
        for (var tried = 0; ; tried++)
        {
            var index = (first + tried) % instances.Length;
            request.RequestUri = new Uri(instances[index], path);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && tried + 1 < instances.Length)
            {
                Volatile.Write(ref outUntil[index], (clock.GetUtcNow() + OutFor).UtcTicks);
            }
        }
    }

    /// <summary>The next instance in turn that is not left out (or the next in turn, when all are).</summary>
    private int Pick()
    {
        var start = (int)((uint)Interlocked.Increment(ref next) % (uint)instances.Length);
        var now = clock.GetUtcNow().UtcTicks;
        for (var i = 0; i < instances.Length; i++)
        {
            var index = (start + i) % instances.Length;
            if (Volatile.Read(ref outUntil[index]) <= now)
            {
                return index;
            }
        }

        return start;
    }

    /// <summary>The part of <paramref name="asked"/> below one of the instances' base URLs (null when it is under none).</summary>
    private string? Relative(Uri asked)
    {
        var text = asked.AbsoluteUri;
        foreach (var instance in instances)
        {
            if (text.StartsWith(instance.AbsoluteUri, StringComparison.OrdinalIgnoreCase))
            {
                return text[instance.AbsoluteUri.Length..];
            }
        }

        return null;
    }

    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
