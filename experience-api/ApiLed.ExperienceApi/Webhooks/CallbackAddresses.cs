using System.Net;
using System.Net.Sockets;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>
/// Keeps webhooks from being aimed at the layer's own network: unless <see cref="WebhookOptions.AllowPrivateNetworkCallbacks"/>
/// is set, a callback URL may not name, or resolve to, a loopback, private, link-local (cloud metadata) or other
/// non-public address. Checked when the order is placed (names and literal addresses) and again when connecting
/// (what the name resolves to then).
/// </summary>
public static class CallbackAddresses
{
    /// <summary>True for addresses a partner's callback must not reach.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224                   // "this" network, private, loopback, multicast and reserved
                   || (b[0] == 100 && b[1] is >= 64 and <= 127)     // carrier-grade NAT
                   || (b[0] == 169 && b[1] == 254)                  // link-local, cloud metadata
                   || (b[0] == 172 && b[1] is >= 16 and <= 31)
                   || (b[0] == 192 && b[1] == 168)
                   || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                   || (b[0] == 198 && b[1] is 18 or 19);            // benchmarking
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }

    /// <summary>True when <paramref name="callback"/> names a private address or localhost outright.</summary>
    public static bool NamesPrivateHost(Uri callback) =>
        callback.IsLoopback
        || callback.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(callback.DnsSafeHost, out var address) && IsPrivate(address));

    /// <summary>Connects only to the public addresses a host resolves to (all of them when private ones are allowed).</summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var resolved = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var permitted = allowPrivate ? resolved : [.. resolved.Where(a => !IsPrivate(a))];
        if (permitted.Length == 0)
        {
            throw new HttpRequestException(
                $"{endpoint.Host} resolves only to private or loopback addresses; webhooks go to public addresses (Webhooks:AllowPrivateNetworkCallbacks).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
