using System.Net.Sockets;
using System.Text;

namespace ApiLed.IntegrationTests.Support;

/// <summary>
/// One HTTP/1.1 request written byte for byte on a TCP connection, for what HttpClient refuses to send: a method
/// such as <c>CONNECT</c> on a path, or a header value that is not ASCII.
/// </summary>
public sealed record RawHttpExchange(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static async Task<RawHttpExchange> SendAsync(string baseUrl, string method, string path,
        IEnumerable<(string Name, string Value)> headers, string? body = null, TimeSpan? timeout = null)
    {
        var address = new Uri(baseUrl);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, cts.Token);
        await using var stream = client.GetStream();

        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var content = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            head.Append("Content-Length: ").Append(content.Length).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cts.Token); // UTF-8: non-ASCII values go as their UTF-8 bytes
        await stream.WriteAsync(content, cts.Token);

        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cts.Token);
        return Parse(received.ToArray());
    }

    private static RawHttpExchange Parse(byte[] response)
    {
        var text = Encoding.UTF8.GetString(response);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"No HTTP response head in {response.Length} bytes: {text}");
        }

        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        var body = text[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return new RawHttpExchange(status, headers, body);
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }

        return body.ToString();
    }
}
