using System.Net;
using System.Net.Sockets;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>Free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it for a listener bound to port 0).
    /// A port is not handed out twice by one test run.
    /// </summary>
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
