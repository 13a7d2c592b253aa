using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace ApiLed.Gateway.Partners;

/// <summary>
/// The partners allowed through the gateway (section <c>Partners</c>): their API keys (stored only as SHA-256 hashes),
/// roles and rate limits. Re-read when the configuration file changes, so a key can be revoked without a restart.
/// </summary>
public sealed partial record PartnersOptions : IValidatableObject
{
    public const string Section = "Partners";

    /// <summary>The rate limit of every partner that has none of its own.</summary>
    public RateLimitOptions DefaultRateLimit { get; init; } = new();

    /// <summary>Partners by id; the id is what the experience API stores the partner's orders under.</summary>
    public Dictionary<string, PartnerOptions> Directory { get; init; } = new(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, partner) in Directory)
        {
            var at = $"{nameof(Directory)}:{id}";
            if (!PartnerId().IsMatch(id))
            {
                yield return new ValidationResult(
                    "a partner id is 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit.", [at]);
            }

            if (partner.Keys.Count == 0)
            {
                yield return new ValidationResult("a partner needs at least one API key (Id and Sha256).", [$"{at}:{nameof(PartnerOptions.Keys)}"]);
            }

            for (var i = 0; i < partner.Keys.Count; i++)
            {
                var key = partner.Keys[i];
                var keyAt = $"{at}:{nameof(PartnerOptions.Keys)}:{i}";
                if (string.IsNullOrWhiteSpace(key.Id))
                {
                    yield return new ValidationResult("name the key (e.g. 'demo-shop-2026-11'), so logs can say which key was used.", [$"{keyAt}:{nameof(ApiKeyOptions.Id)}"]);
                }

                if (!Sha256Hex().IsMatch(key.Sha256 ?? ""))
                {
                    yield return new ValidationResult(
                        "the SHA-256 of the key as 64 hex digits is expected (e.g. printf %s \"$KEY\" | sha256sum); never the key itself.",
                        [$"{keyAt}:{nameof(ApiKeyOptions.Sha256)}"]);
                }
                else if (!owners.TryAdd(key.Sha256!, $"{id} key {i}"))
                {
                    yield return new ValidationResult($"the same key hash is configured twice (also {owners[key.Sha256!]}).",
                        [$"{keyAt}:{nameof(ApiKeyOptions.Sha256)}"]);
                }
            }

            foreach (var role in partner.Roles.Where(r => !PartnerRoles.All.Contains(r)))
            {
                yield return new ValidationResult($"unknown role '{role}'; the roles are: {string.Join(", ", PartnerRoles.All)}.",
                    [$"{at}:{nameof(PartnerOptions.Roles)}"]);
            }

            if (partner.RateLimit is { } limit)
            {
                var results = new List<ValidationResult>();
                Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true);
                foreach (var result in results)
                {
                    yield return new ValidationResult(result.ErrorMessage,
                        [$"{at}:{nameof(PartnerOptions.RateLimit)}:{result.MemberNames.FirstOrDefault()}"]);
                }
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex PartnerId();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}

/// <summary>One partner: a display name, its API keys, its roles and, optionally, its own rate limit.</summary>
public sealed record PartnerOptions
{
    public string? Name { get; init; }

    /// <summary>Extra rights; <c>operator</c> opens the process API's saga and flow views.</summary>
    public List<string> Roles { get; init; } = [];

    /// <summary>Every key the partner may use (several during a rotation); a revoked key is answered 401.</summary>
    public List<ApiKeyOptions> Keys { get; init; } = [];

    /// <summary>Overrides <see cref="PartnersOptions.DefaultRateLimit"/> for this partner.</summary>
    public RateLimitOptions? RateLimit { get; init; }
}

/// <summary>An API key as the gateway stores it: a name and the SHA-256 of the key, never the key.</summary>
public sealed record ApiKeyOptions
{
    public string Id { get; init; } = "";

    /// <summary>Lower- or upper-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public string? Sha256 { get; init; }

    /// <summary>A revoked key is kept (so its use is logged and answered as revoked) but no longer lets anyone in.</summary>
    public bool Revoked { get; init; }
}

/// <summary>At most <see cref="PermitLimit"/> requests per partner in each <see cref="Window"/> (a fixed window).</summary>
public sealed record RateLimitOptions
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; init; } = 100;

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The roles a partner can have.</summary>
public static class PartnerRoles
{
    public const string Operator = "operator";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Operator };
}
