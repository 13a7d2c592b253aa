using ApiLed.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace ApiLed.Gateway;

/// <summary>
/// Refuses request bodies over <c>Limits:MaxRequestBodyBytes</c> with 413 problem+json before anything is
/// forwarded: at once when Content-Length says so, and for a chunked body when it grows past the limit.
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, IOptions<KestrelServerOptions> kestrel)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = kestrel.Value.Limits.MaxRequestBodySize ?? long.MaxValue;
        if (context.Request.ContentLength > limit)
        {
            await TooLarge(limit).ExecuteAsync(context);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        await next(context);

        if (context.GetForwarderErrorFeature()?.Exception is { } error && FindTooLarge(error) && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await TooLarge(limit).ExecuteAsync(context);
        }
    }

    private static bool FindTooLarge(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }

    private static IResult TooLarge(long limit) => Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-too-large",
        "The request body is too large.", $"Request bodies are limited to {limit} bytes.");
}
