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
public sealed class PartnerDirectory(IOptionsMonitor<PartnersOptions> options)
{
    /// <summary>Longer values are refused unhashed.</summary>
    public const int MaxKeyLength = 256;

    private sealed record Entry(byte[] Hash, string PartnerId, ApiKeyOptions Key, IReadOnlyList<string> Roles);

    private sealed record Snapshot(PartnersOptions Source, Entry[] Entries);

    private Snapshot? snapshot;

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
        var current = options.CurrentValue;
        return current.Directory.TryGetValue(partnerId, out var partner) && partner.RateLimit is { } own ? own : current.DefaultRateLimit;
    }

    private Entry[] Entries()
    {
        var current = options.CurrentValue;
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
