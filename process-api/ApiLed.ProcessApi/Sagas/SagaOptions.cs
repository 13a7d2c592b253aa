using System.ComponentModel.DataAnnotations;
using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>Saga settings (section <c>Saga</c>).</summary>
public sealed record SagaOptions
{
    public const string Section = "Saga";

    /// <summary>Retries and time budget of a compensation before the saga is parked as needs-attention.</summary>
    public CompensationPolicy Compensation { get; init; } = new();

    /// <summary>
    /// How long a step waits for a system that is unavailable (no connection, circuit open, 503), and a choreographed
    /// saga for a participant that consumes nothing, before the order fails and is compensated.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:25:00")]
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often unfinished sagas that nothing is running are looked for and resumed, and the choreography queues
    /// are looked at for stall detection.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Added to a step's time budget (and the patience) before a choreographed saga with no news is taken over as stalled.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StallGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an instance's claim on a saga it runs lasts without being renewed (it renews every third of it). When
    /// an instance dies, another takes its sagas over at its next recovery scan after this: several process API
    /// instances share one store, and a saga is run by one of them at a time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")]
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Sagas resumed at once by the recovery scan.</summary>
    [Range(1, 256)]
    public int RecoveryConcurrency { get; init; } = 4;
}
