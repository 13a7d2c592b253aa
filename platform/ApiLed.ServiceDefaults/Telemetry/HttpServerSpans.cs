using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ApiLed.ServiceDefaults.Telemetry;

/// <summary>
/// Completes ASP.NET Core's request span by OpenTelemetry's HTTP server conventions. The framework adds the request's
/// tags itself (the switch <c>Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData=false</c>, set for every
/// service in Directory.Build.props); this names the span <c>{method} {route}</c> (the route template, never the raw
/// path), tags the route and the status code as answered (after the error handler wrote it), and marks a 5xx answer
/// as an error. First in the pipeline, so it sees the answer every other middleware settled on.
/// </summary>
public sealed class HttpServerSpans(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var activity = Activity.Current;
        if (activity is not { Kind: ActivityKind.Server, IsAllDataRequested: true })
        {
            await next(context);
            return;
        }

        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
        finally
        {
            route ??= (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            var method = context.Request.Method;
            if (route is not null)
            {
                route = Normalized(route);
                activity.DisplayName = $"{method} {route}";
                activity.SetTag("http.route", route);
            }
            else
            {
                activity.DisplayName = method;
            }

            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500 && activity.Status != ActivityStatusCode.Error)
            {
                activity.SetStatus(ActivityStatusCode.Error);
                activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>A group's prefix and its <c>"/"</c> endpoint make <c>/api/v1/charges/</c>: the route as a partner writes it.</summary>
    private static string Normalized(string route)
    {
        route = route.StartsWith('/') ? route : "/" + route;
        return route.Length > 1 && route.EndsWith('/') ? route.TrimEnd('/') : route;
    }
}
