using System.Security.Cryptography;
using System.Text;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>A partner the <see cref="LayerFixture"/> configures at the gateway (and its webhook secret at the experience API).</summary>
/// <param name="Id">The partner id the gateway passes on as <c>X-Partner-Id</c>.</param>
/// <param name="Key">The partner's API key (the gateway is given only its SHA-256).</param>
/// <param name="RevokedKey">An older key of the same partner, configured as revoked.</param>
/// <param name="Roles">Roles such as <c>operator</c>.</param>
/// <param name="PermitLimit">Requests allowed per <paramref name="Window"/> (null: a limit no test reaches).</param>
/// <param name="Window">The rate-limit window.</param>
/// <param name="WebhookSecret">The partner's webhook signing secret (null: webhooks are not set up).</param>
public sealed record TestPartner(
    string Id, string Key, string? RevokedKey = null, string[]? Roles = null, int? PermitLimit = null, TimeSpan? Window = null,
    string? WebhookSecret = null)
{
    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The gateway's environment variables for this partner (section <c>Partners:Directory:{Id}</c>).</summary>
    public IEnumerable<KeyValuePair<string, string?>> GatewayEnvironment()
    {
        var at = $"Partners__Directory__{Id}__";
        yield return new(at + "Keys__0__Id", Id + "-current");
        yield return new(at + "Keys__0__Sha256", Sha256Hex(Key));
        if (RevokedKey is not null)
        {
            yield return new(at + "Keys__1__Id", Id + "-old");
            yield return new(at + "Keys__1__Sha256", Sha256Hex(RevokedKey));
            yield return new(at + "Keys__1__Revoked", "true");
        }

        foreach (var (role, i) in (Roles ?? []).Select((r, i) => (r, i)))
        {
            yield return new(at + $"Roles__{i}", role);
        }

        yield return new(at + "RateLimit__PermitLimit", (PermitLimit ?? 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new(at + "RateLimit__Window", (Window ?? TimeSpan.FromSeconds(10)).ToString("c"));
    }
}

/// <summary>The partners every <see cref="LayerFixture"/> configures. Keys are test-only values.</summary>
public static class TestPartners
{
    /// <summary>The partner of <see cref="LayerFixture.GatewayClient"/>.</summary>
    public static readonly TestPartner Default = new("test-partner", "tk_test_partner_97d424bb49a38cead3efd85b2d89fd01",
        RevokedKey: "tk_test_partner_old_cb5475f89b38e0f12a7b1f0059d0c369",
        WebhookSecret: "whsec_test_partner_5f0c1e9a7b3d2c4e6f8a0b1c2d3e4f5a");

    public static readonly TestPartner Other = new("test-other", "tk_test_other_903bb7f6f81bcf358598c269b1ecdacc",
        WebhookSecret: "whsec_test_other_0a1b2c3d4e5f60718293a4b5c6d7e8f9");

    public static readonly TestPartner Operator = new("test-operator", "tk_test_operator_33813345c0a3c388000a2cad4e042099",
        Roles: ["operator"]);

    /// <summary>5 requests a minute, for staying under the limit.</summary>
    public static readonly TestPartner LimitedUnder = new("test-limited-under", "tk_test_under_566cc0156bfd7d05b358c1ced1d6b3d7",
        PermitLimit: 5, Window: TimeSpan.FromMinutes(1));

    /// <summary>5 requests a minute, for going over the limit.</summary>
    public static readonly TestPartner LimitedOver = new("test-limited-over", "tk_test_over_66c702471af3d3e96d45f303f4f7e59d",
        PermitLimit: 5, Window: TimeSpan.FromMinutes(1));

    /// <summary>A partner without a webhook signing secret.</summary>
    public static readonly TestPartner WithoutWebhooks = new("test-no-webhooks", "tk_test_nohooks_122d67e7f00145d4ddc92211a9b36b37");

    public static readonly IReadOnlyList<TestPartner> All = [Default, Other, Operator, LimitedUnder, LimitedOver, WithoutWebhooks];
}
