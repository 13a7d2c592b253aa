using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>
/// A collector for tests: a real OTLP/HTTP endpoint (Kestrel on 127.0.0.1, a free port) that takes the protobuf export
/// requests the services send to <c>/v1/traces</c>, <c>/v1/logs</c> and <c>/v1/metrics</c> and keeps what they carried.
/// Point a service at it with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedSpan> spans = new();
    private readonly ConcurrentQueue<ReceivedLogRecord> logs = new();
    private readonly ConcurrentQueue<(string Service, string Metric)> metrics = new();

    private OtlpReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) => Answer(spans, OtlpDecoder.Spans(await ReadAsync(request))));
        app.MapPost("/v1/logs", async (HttpRequest request) => Answer(logs, OtlpDecoder.Logs(await ReadAsync(request))));
        app.MapPost("/v1/metrics", async (HttpRequest request) => Answer(metrics, OtlpDecoder.MetricNames(await ReadAsync(request))));
    }

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<ReceivedSpan> Spans => [.. spans];

    public IReadOnlyList<ReceivedLogRecord> Logs => [.. logs];

    public IReadOnlyList<(string Service, string Metric)> Metrics => [.. metrics];

    /// <summary>The spans of one trace received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Trace(string traceId) => [.. spans.Where(s => s.TraceId == traceId)];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        await receiver.app.StartAsync();
        receiver.Endpoint = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return receiver;
    }

    /// <summary>The environment that makes a service export everything here, quickly (batches every 100 ms).</summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment() => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static IResult Answer<T>(ConcurrentQueue<T> into, List<T> items)
    {
        foreach (var item in items)
        {
            into.Enqueue(item);
        }

        return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse: everything accepted
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var body = request.Headers.ContentEncoding.ToString() == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
