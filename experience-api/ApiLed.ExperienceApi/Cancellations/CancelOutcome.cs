namespace ApiLed.ExperienceApi.Cancellations;

/// <summary>What the process API said of a cancel.</summary>
public abstract record CancelOutcome
{
    /// <summary>Taken: the order is <paramref name="Status"/> (<c>cancelling</c> or <c>cancelled</c>) at saga version <paramref name="Version"/>.</summary>
    public sealed record Taken(string Status, int Version) : CancelOutcome;

    /// <summary>Refused (409): too late, or the order does not go ahead; <paramref name="Type"/> is the problem type's last segment.</summary>
    public sealed record Refused(string Type, string Detail) : CancelOutcome;

    /// <summary>The process API could not be asked, or answered with a fault.</summary>
    public sealed record Unavailable(string Why) : CancelOutcome;
}
