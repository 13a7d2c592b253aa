using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Gateway;

/// <summary>
/// Refuses, with 400 problem+json naming the header, a request whose header value holds anything but printable
/// ASCII (RFC 9110 §5.5). The gateway's Kestrel reads header bytes as Latin-1, so such a value reaches this check
/// instead of failing later, when the forwarder would refuse to send it on and answer 502.
/// </summary>
public sealed class ForwardableHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && !IsForwardable(value))
                {
                    return Problems.Of(StatusCodes.Status400BadRequest, "invalid-header", "A request header holds characters that cannot be sent on.",
                            $"The header '{name}' holds characters other than printable ASCII; header values must be ASCII. Encode the value (for example as base64url) or use ASCII only.",
                            new Dictionary<string, object?> { ["header"] = name })
                        .ExecuteAsync(context);
                }
            }
        }

        return next(context);
    }

    private static bool IsForwardable(string value)
    {
        foreach (var c in value)
        {
            if (c is > '~' or (< ' ' and not '\t'))
            {
                return false;
            }
        }

        return true;
    }
}
