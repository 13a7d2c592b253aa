using System.Diagnostics;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>
/// This service's own request pipeline, captured when the application is built (by <see cref="OwnPipelineStartupFilter"/>),
/// so a component of the same process can send it a request without a loopback connection: every middleware and
/// endpoint runs as for a request Kestrel read (idempotency, validation, problem answers), only the socket, the HTTP
/// parsing and the connection pool are gone.
/// </summary>
public sealed class OwnPipeline(IHttpContextFactory contexts)
{
    private RequestDelegate? pipeline;

    /// <summary>Has the application been built, so requests can run?</summary>
    public bool IsReady => Volatile.Read(ref pipeline) is not null;

    internal void Capture(RequestDelegate next) => Volatile.Write(ref pipeline, next);

    /// <summary>Runs one request, described by <paramref name="features"/>, through the pipeline; the response is left in them.</summary>
    public async Task RunAsync(IFeatureCollection features, InProcessResponse response)
    {
        var next = Volatile.Read(ref pipeline)
                   ?? throw new InvalidOperationException("This service's request pipeline is not built yet, so it cannot take requests in process.");
        var context = contexts.Create(features);
        // What the hosting layer would start for a request Kestrel read: a server span, which HttpServerSpans names by route.
        using var activity = ApiLedTelemetry.Source.StartActivity(context.Request.Method, ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", context.Request.Method);
            activity.SetTag("url.path", context.Request.Path.Value);
            activity.SetTag("url.scheme", context.Request.Scheme);
            activity.SetTag("network.transport", "inproc");
        }

        try
        {
            await next(context);
            await response.CompleteAsync();
        }
        finally
        {
            await response.RunCompletedCallbacksAsync();
            contexts.Dispose(context);
        }
    }
}
