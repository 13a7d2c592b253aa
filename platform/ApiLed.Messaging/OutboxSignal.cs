namespace ApiLed.Messaging;

/// <summary>Wakes the relay as soon as a transaction with outbox rows has committed, instead of at its next poll.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim wake = new(0, 1);

    public void Wake()
    {
        try
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => wake.WaitAsync(timeout, ct);
}
