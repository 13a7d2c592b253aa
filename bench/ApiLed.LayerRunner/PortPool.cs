using System.Net;
using System.Net.Sockets;

namespace ApiLed.LayerRunner;

/// <summary>
/// Hands out TCP ports of 127.0.0.1 that were free a moment ago, never the same one twice. Without a range the system
/// picks them from its ephemeral range; with one they are taken in turn from it, skipping those something holds, so that
/// two pools on one machine given ranges that do not overlap can never hand out the same port.
/// </summary>
public sealed class PortPool(PortRange? range)
{
    private readonly HashSet<int> _handed = [];
    private readonly Lock _gate = new();
    private int _nextInRange = range?.First ?? 0;

    public int Next()
    {
        lock (_gate)
        {
            return range is null ? NextEphemeral() : NextInRange(range);
        }
    }

    private int NextEphemeral()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Bind(0);
            if (_handed.Add(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free TCP port was found on 127.0.0.1.");
    }

    private int NextInRange(PortRange range)
    {
        while (_nextInRange <= range.Last)
        {
            var port = _nextInRange++;
            if (Bind(port) == port && _handed.Add(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free TCP port is left on 127.0.0.1 in {range}.");
    }

    /// <summary>Binds <paramref name="port"/> (0: any) on 127.0.0.1 and lets it go; the port bound, or 0 when it was taken.</summary>
    private static int Bind(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        catch (SocketException) when (port != 0)
        {
            return 0;
        }
        finally
        {
            listener.Stop();
        }
    }
}
