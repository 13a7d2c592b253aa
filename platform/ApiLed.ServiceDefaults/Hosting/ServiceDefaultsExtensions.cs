using System.Text.Json;
using System.Text.Json.Serialization;
using ApiLed.ServiceDefaults.Storage;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>What every ApiLed service has: telemetry, problem+json errors, correlation ids and health endpoints.</summary>
public static class ServiceDefaultsExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>Largest request body a service accepts (413 problem+json beyond it).</summary>
    public const string MaxRequestBodySetting = "Limits:MaxRequestBodyBytes";
    public const long DefaultMaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// A builder whose content root is the service's own folder, so its appsettings.json is found whatever the
    /// working directory of <c>dotnet ApiLed.X.dll</c>.
    /// </summary>
    /// <remarks>
    /// The slim builder: no IIS integration, no HTTP/3 (QUIC) and no hosting-startup scanning, which ApiLed does not use
    /// (2 MB less idle memory a service); HTTPS endpoints from configuration (<c>Kestrel:Endpoints</c>) still work.
    /// </remarks>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        return builder;
    }

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.AddApiLedTelemetry(serviceName);
        var maxBody = builder.Configuration.GetValue<long?>(MaxRequestBodySetting) ?? DefaultMaxRequestBodyBytes;
        if (maxBody is < 1024 or > 100 * 1024 * 1024)
        {
            throw new InvalidOperationException($"Setting '{MaxRequestBodySetting}' is {maxBody}; use 1024 to 104857600 bytes.");
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonWriter>()); // before the framework's writer
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["correlationId"] =
                context.HttpContext.Request.Headers[CorrelationContext.HeaderName].ToString() is { Length: > 0 } id ? id : CorrelationContext.Current;
            context.ProblemDetails.Extensions.Remove("exception");
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow);
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        builder.Services.AddTransient<CorrelationIdPropagationHandler>();
        // The factory's own request logging (category System.Net.Http.HttpClient, at Warning in every service) would still
        // open a scope and time every call; failures are logged by the resilience pipelines and the callers.
        builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers().AddHttpMessageHandler<CorrelationIdPropagationHandler>());
        builder.Services.AddEndpointsApiExplorer();
        return builder;
    }

    /// <summary>
    /// Registers the service's store (section <c>Store</c>: a SQLite file, or a PostgreSQL database when
    /// <c>Store:Engine</c> is <c>Postgres</c>) with its readiness check.
    /// </summary>
    public static WebApplicationBuilder AddStore(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<StoreOptions>(StoreOptions.Section);
        builder.Services.AddSingleton<StoreDatabase>(sp => sp.GetRequiredService<IOptions<StoreOptions>>().Value.Engine switch
        {
            StoreEngine.Postgres => ActivatorUtilities.CreateInstance<PostgresDatabase>(sp),
            _ => ActivatorUtilities.CreateInstance<SqliteDatabase>(sp),
        });
        builder.Services.AddSingleton<IdempotentRequests>();
        builder.Services.AddSingleton<StoreHousekeeping>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreHousekeeping>());
        builder.Services.AddHealthChecks().AddCheck<StoreDatabase>("store", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// The request's span (named by its route, its answer and errors), error handling (problem+json, never a stack trace),
    /// correlation ids and the UTF-8 body rule, first in the pipeline.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<HttpServerSpans>();
        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyCharset>();
        return app;
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (its store and broker work).</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        var metrics = app.ServiceProvider.GetRequiredService<Telemetry.PrometheusMetrics>(); // listening from now on
        app.MapGet("/metrics", metrics.ToResult)
            .ExcludeFromDescription();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth })
            .ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteHealth })
            .ExcludeFromDescription();
        return app;
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, JsonSerializerOptions.Web));
    }
}
