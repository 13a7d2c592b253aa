using System.Collections.Concurrent;

namespace ApiLed.Messaging;

/// <summary>
/// What one long-lived broker client (a queue consumer, a confirmed publisher) is doing: working, or failing
/// since when and why, and the deliveries it is handling. <see cref="BrokerClientsHealthCheck"/> reads it for
/// <c>/health/ready</c>, so a client that cannot reconnect, or a delivery that is never settled, is visible.
/// </summary>
public sealed class BrokerClientStatus(string name)
{
    private readonly ConcurrentDictionary<long, (string MessageId, DateTimeOffset Since)> handling = new();
    private long nextHandle;
    private volatile Failure? failure = new("not connected yet", DateTimeOffset.MinValue);

    public string Name => name;

    /// <summary>Connected and working (a consumer consumes; a publisher's last batch was confirmed).</summary>
    public void Working() => failure = null;

    /// <summary>Not working since the first of consecutive failures.</summary>
    public void Failing(string error, DateTimeOffset now) => failure = new(error, failure?.Since ?? now);

    /// <summary>Starts tracking a delivery being handled; dispose the result when it is settled.</summary>
    public Handling StartHandling(string messageId, DateTimeOffset now)
    {
        var handle = Interlocked.Increment(ref nextHandle);
        handling[handle] = (messageId, now);
        return new Handling(this, handle);
    }

    /// <summary>Why the client is not working and since when; null while it works.</summary>
    public (string Error, DateTimeOffset Since)? CurrentFailure => failure is { } f ? (f.Error, f.Since) : null;

    /// <summary>The delivery handled longest, if any.</summary>
    public (string MessageId, DateTimeOffset Since)? OldestHandling =>
        handling.IsEmpty ? null : handling.Values.MinBy(h => h.Since);

    private sealed record Failure(string Error, DateTimeOffset Since);

    /// <summary>A delivery being handled; disposing it marks it settled.</summary>
    public readonly struct Handling(BrokerClientStatus owner, long handle) : IDisposable
    {
        public void Dispose() => owner.handling.TryRemove(handle, out _);
    }
}
