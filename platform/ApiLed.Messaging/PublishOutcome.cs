namespace ApiLed.Messaging;

/// <summary>Which messages of a batch the broker confirmed, and why the others were not.</summary>
public sealed record PublishOutcome(IReadOnlyList<bool> Confirmed, string? Error)
{
    public bool AllConfirmed => Error is null;

    /// <summary>Throws when any message of the batch was not confirmed (the caller keeps or requeues its work).</summary>
    public void ThrowIfNotAllConfirmed()
    {
        if (Error is not null)
        {
            throw new BrokerPublishException(Error);
        }
    }
}
