using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>The headers of a webhook delivery.</summary>
public static class WebhookHeaders
{
    /// <summary><c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>; see <see cref="WebhookSignature"/>.</summary>
    public const string Signature = "ApiLed-Signature";

    /// <summary>The notification's id: the same on every attempt, so a receiver can drop a repeat.</summary>
    public const string Id = "ApiLed-Webhook-Id";

    /// <summary>The event: <c>order.completed</c>, <c>order.failed</c> or <c>order.needs-attention</c>.</summary>
    public const string Event = "ApiLed-Webhook-Event";

    /// <summary>1 for the first attempt, 2 for the first retry, and so on.</summary>
    public const string Attempt = "ApiLed-Webhook-Attempt";
}

/// <summary>
/// The webhook signature: <c>v1 = hex(HMAC-SHA256(key: UTF-8 bytes of the partner's secret,
/// message: UTF-8 bytes of "{t}." followed by the raw body bytes))</c>, sent as
/// <c>ApiLed-Signature: t={t},v1={v1}</c> where <c>t</c> is the Unix time in seconds of the attempt.
/// A receiver recomputes v1 over the body exactly as received, compares in constant time and refuses a
/// <c>t</c> more than a few minutes from its own clock (a replay).
/// </summary>
public static class WebhookSignature
{
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    public static string HeaderValue(string secret, long timestamp, ReadOnlySpan<byte> body) =>
        $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Compute(secret, timestamp, body)}";

    /// <summary>True when <paramref name="header"/> carries a v1 signature of <paramref name="body"/> made within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = part.IndexOf('=') is var eq and > 0 ? (part[..eq], part[(eq + 1)..]) : (part, "");
            if (name == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (name == "v1")
            {
                signatures.Add(value);
            }
        }

        if (timestamp is not { } at || Math.Abs(now.ToUnixTimeSeconds() - at) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, at, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s.ToLowerInvariant())));
    }
}
