using System.Net;
using System.Net.Sockets;

namespace ApiLed.LayerRunner;

/// <summary>TCP ports of 127.0.0.1 that were free a moment ago, never the same one twice in a run.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No free TCP port was found on 127.0.0.1.");
    }
}
