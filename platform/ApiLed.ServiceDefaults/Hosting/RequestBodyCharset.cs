using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// Refuses a request body declared in a charset other than UTF-8 (JSON between systems is UTF-8, RFC 8259 §8.1)
/// with 415 problem+json, before any endpoint tries to decode it. Without it an unknown charset
/// (<c>application/json; charset=ebcdic</c>) fails deep in the JSON reader with a 500.
/// </summary>
public sealed class RequestBodyCharset(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType is not { Length: > 0 } contentType
            || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || media.Charset.Value is not { Length: > 0 } declared)
        {
            return next(context);
        }

        var charset = declared.Trim('"');
        if (IsUtf8(charset))
        {
            return next(context);
        }

        return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "unsupported-charset", "The request body's charset is not supported.",
                $"The body is declared as charset '{charset}'; send JSON in UTF-8 (Content-Type: application/json; charset=utf-8, or no charset).",
                new Dictionary<string, object?> { ["charset"] = charset })
            .ExecuteAsync(context);
    }

    /// <summary>UTF-8 by any of its names, or US-ASCII (a subset of it).</summary>
    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
        || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
        || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
        || charset.Equals("ascii", StringComparison.OrdinalIgnoreCase);
}
