using System.ComponentModel.DataAnnotations;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>Partner webhooks (section <c>Webhooks</c>): signing secrets, the retry schedule and the dispatcher's pace.</summary>
public sealed record WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";
    public const int MinSecretLength = 24;

    /// <summary>
    /// The HMAC-SHA256 secret of each partner (by partner id), shared with the partner out of band. An order with a
    /// callback URL is refused (400) for a partner that has none.
    /// </summary>
    public Dictionary<string, string> SigningSecrets { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Delivery attempts before a notification is marked failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; init; } = 10;

    /// <summary>Wait after the first failed attempt; it doubles after each further failure (plus up to 20% jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a claimed notification is reserved for the attempt in progress; only after it (a crashed sender) may
    /// another attempt claim it. Must be longer than <see cref="AttemptTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest the dispatcher sleeps between two looks for due notifications.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Lets callback URLs reach loopback and private-network addresses. Off by default, so a partner cannot aim the
    /// layer's webhooks at its own internal services; turn it on only where the receivers are trusted (local demos, tests).
    /// </summary>
    public bool AllowPrivateNetworkCallbacks { get; init; }

    /// <summary>Notifications claimed and sent together.</summary>
    [Range(1, 256)]
    public int BatchSize { get; init; } = 16;

    public bool HasSecretFor(string partnerId) => SigningSecrets.TryGetValue(partnerId, out var secret) && !string.IsNullOrEmpty(secret);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (partner, secret) in SigningSecrets)
        {
            if (string.IsNullOrWhiteSpace(partner) || (secret?.Length ?? 0) < MinSecretLength)
            {
                yield return new ValidationResult($"a signing secret needs at least {MinSecretLength} characters (e.g. openssl rand -hex 32).",
                    [$"{nameof(SigningSecrets)}:{partner}"]);
            }
        }

        if (ClaimTimeout <= AttemptTimeout)
        {
            yield return new ValidationResult($"must be longer than {nameof(AttemptTimeout)} ({AttemptTimeout}), or an attempt still in progress could be sent again.",
                [nameof(ClaimTimeout)]);
        }

        if (MaxDelay < BaseDelay)
        {
            yield return new ValidationResult($"must not be shorter than {nameof(BaseDelay)} ({BaseDelay}).", [nameof(MaxDelay)]);
        }
    }
}
