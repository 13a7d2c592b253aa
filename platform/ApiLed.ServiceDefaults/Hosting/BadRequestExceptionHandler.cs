using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, a body over the size limit, a missing body)
/// into a 4xx problem+json that says what is wrong, instead of a bare 400 or a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var causes = new List<Exception>();
        for (Exception? e = bad; e is not null; e = e.InnerException)
        {
            causes.Add(e);
        }

        var tooLarge = causes.OfType<BadHttpRequestException>().FirstOrDefault(e => e.StatusCode == StatusCodes.Status413PayloadTooLarge);
        var json = causes.OfType<JsonException>().FirstOrDefault();
        var (status, type, title, detail) = (tooLarge, json) switch
        {
            ({ } large, _) => (StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large.", large.Message),
            (_, { } malformed) => (StatusCodes.Status400BadRequest, "malformed-json", "The request body is not valid JSON for this operation.", malformed.Message),
            _ => (bad.StatusCode, "bad-request", "The request could not be read.", bad.Message),
        };

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Type = Problems.TypeBase + type, Title = title, Detail = detail },
        });
    }
}
