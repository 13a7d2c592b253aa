using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ApiLed.Gateway.Partners;

/// <summary>What an API key turned out to be.</summary>
public abstract record KeyCheck
{
    public sealed record Valid(string PartnerId, string KeyId, IReadOnlyList<string> Roles) : KeyCheck;

    public sealed record Revoked(string PartnerId, string KeyId) : KeyCheck;

    public sealed record Unknown : KeyCheck;
}

/// <summary>
/// Finds the partner of an API key: the key is hashed with SHA-256 and compared with every configured hash in
/// constant time (no early exit), so the answer time says nothing about how close a guess was.
/// </summary>
public sealed class PartnerDirectory(IOptionsMonitor<PartnersOptions> options, ILogger<PartnerDirectory> logger)
{
    /// <summary>Longer values are refused unhashed.</summary>
    public const int MaxKeyLength = 256;

    private sealed record Entry(byte[] Hash, string PartnerId, ApiKeyOptions Key, IReadOnlyList<string> Roles);

    private sealed record Snapshot(PartnersOptions Source, Entry[] Entries);

    private Snapshot? snapshot;
    private string? lastRejectedReload;

    public KeyCheck Check(string presentedKey)
    {
        if (presentedKey.Length is 0 or > MaxKeyLength)
        {
            return new KeyCheck.Unknown();
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey));
        Entry? match = null;
        foreach (var entry in Entries())
        {
            if (CryptographicOperations.FixedTimeEquals(entry.Hash, hash))
            {
                match = entry;
            }
        }

        return match switch
        {
            null => new KeyCheck.Unknown(),
            { Key.Revoked: true } => new KeyCheck.Revoked(match.PartnerId, match.Key.Id),
            _ => new KeyCheck.Valid(match.PartnerId, match.Key.Id, match.Roles),
        };
    }

    /// <summary>The partner's own rate limit, else the default one.</summary>
    public RateLimitOptions RateLimitOf(string partnerId)
    {
        var current = Current();
        return current.Directory.TryGetValue(partnerId, out var partner) && partner.RateLimit is { } own ? own : current.DefaultRateLimit;
    }

    /// <summary>
    /// The partners in force. A reloaded configuration that fails validation is not taken: the last valid one stays in
    /// force (so a typo in appsettings.json does not lock every partner out) and the error is logged once.
    /// </summary>
    private PartnersOptions Current()
    {
        try
        {
            return options.CurrentValue;
        }
        catch (OptionsValidationException ex) when (snapshot is { } lastGood)
        {
            if (ex.Message != lastRejectedReload)
            {
                lastRejectedReload = ex.Message;
                logger.LogError("The changed partner configuration is invalid and was not applied; the previous one stays in force: {Errors}",
                    string.Join(" ", ex.Failures));
            }

            return lastGood.Source;
        }
    }

    private Entry[] Entries()
    {
        var current = Current();
        if (snapshot is { } taken && ReferenceEquals(taken.Source, current))
        {
            return taken.Entries;
        }

        var entries = current.Directory
            .SelectMany(p => p.Value.Keys.Select(k => new Entry(Convert.FromHexString(k.Sha256!), p.Key, k, p.Value.Roles)))
            .ToArray();
        snapshot = new Snapshot(current, entries);
        return entries;
    }
}
