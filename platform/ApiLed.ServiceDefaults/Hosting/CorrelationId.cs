using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>The correlation id of the request or message being handled, flowing with the async context.</summary>
public static class CorrelationContext
{
    public const string HeaderName = "X-Correlation-Id";
    private static readonly AsyncLocal<string?> current = new();

    public static string? Current
    {
        get => current.Value;
        set => current.Value = value;
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>A partner-supplied id is kept only when it is short and plain; anything else is replaced.</summary>
    public static bool IsAcceptable(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 128
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>Makes <paramref name="correlationId"/> current for logs, traces and outgoing calls.</summary>
    public static IDisposable? Enter(ILogger logger, string correlationId)
    {
        Current = correlationId;
        Activity.Current?.SetTag("correlation.id", correlationId);
        return logger.BeginScope("CorrelationId:{CorrelationId}", correlationId);
    }
}

/// <summary>Reads <c>X-Correlation-Id</c> (creating one when absent) and echoes it on the response.</summary>
public sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[CorrelationContext.HeaderName].ToString();
        var correlationId = CorrelationContext.IsAcceptable(incoming) ? incoming : CorrelationContext.NewId();
        context.Request.Headers[CorrelationContext.HeaderName] = correlationId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationContext.HeaderName] = correlationId;
            return Task.CompletedTask;
        });

        using (CorrelationContext.Enter(logger, correlationId))
        {
            await next(context);
        }
    }
}

/// <summary>Passes the current correlation id on every outgoing HTTP call.</summary>
public sealed class CorrelationIdPropagationHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CorrelationContext.Current is { } id && !request.Headers.Contains(CorrelationContext.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(CorrelationContext.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
