using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ApiLed.ServiceDefaults.Telemetry;

/// <summary>The activity source and meter every ApiLed component reports through.</summary>
public static class ApiLedTelemetry
{
    public const string SourceName = "ApiLed";
    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(SourceName);
}

/// <summary>
/// OpenTelemetry without the hosting package (not restorable here): the tracer and meter providers are built
/// with the SDK, owned by the container and so disposed (flushed) when the host stops. Traces cover ASP.NET
/// Core, HttpClient and ApiLed's own AMQP publish/process spans. They are recorded and exported (OTLP), with the metrics
/// and the logs, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other <c>OTEL_*</c>
/// variables: protocol, headers, batch delays; <c>OTEL_TRACES_EXPORTER</c>, <c>OTEL_METRICS_EXPORTER</c> or
/// <c>OTEL_LOGS_EXPORTER</c> set to <c>none</c> leaves that signal out, e.g. for a receiver of traces only); log lines carry trace, span and correlation ids either way; ApiLed's own metrics are always
/// readable at <c>GET /metrics</c> (<see cref="PrometheusMetrics"/>).
/// </summary>
public static class TelemetryExtensions
{
    public static WebApplicationBuilder AddApiLedTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        // One line per entry by default; JSON with Logging:Console:FormatterName=json (env Logging__Console__FormatterName), each
        // entry with its scopes: the trace and span ids, and the correlation id.
        builder.Logging.AddConsole();
        // The slim builder's AddSimpleConsole fixes the formatter to "simple": the setting decides, registered after it.
        var formatter = builder.Configuration["Logging:Console:FormatterName"];
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.FormatterName = string.IsNullOrWhiteSpace(formatter) ? "simple" : formatter);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddSingleton<PrometheusMetrics>(); // GET /metrics, whatever the exporter settings

        // Without an OTLP endpoint nothing would receive the spans and metrics: no providers, so ASP.NET Core, HttpClient
        // and ApiLed's own sources have no listener and record nothing (measured: the bench's CPU per order).
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        bool Exported(string signal) => !string.Equals(builder.Configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase);

        // Logs go with the traces: each record keeps its trace and span ids, and its scopes (the correlation id) as attributes.
        if (Exported("LOGS"))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.SetResourceBuilder(resource);
                logging.IncludeScopes = true;
                logging.IncludeFormattedMessage = true;
                logging.AddOtlpExporter();
            });
        }

        if (Exported("TRACES"))
        {
            builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(ApiLedTelemetry.SourceName, "Microsoft.AspNetCore", "System.Net.Http", "Yarp.ReverseProxy")
                .AddOtlpExporter()
                .Build()!);
        }

        if (Exported("METRICS"))
        {
            builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(ApiLedTelemetry.SourceName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
                .AddOtlpExporter()
                .Build()!);
        }

        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    /// <summary>Creates the providers as the host starts, so the first request is already traced.</summary>
    private sealed class TelemetryStarter(IEnumerable<TracerProvider> tracing, IEnumerable<MeterProvider> metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = (tracing.ToList(), metrics.ToList());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
