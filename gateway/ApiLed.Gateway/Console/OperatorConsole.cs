using Microsoft.Extensions.Options;

namespace ApiLed.Gateway.Console;

/// <summary>
/// The operator console at <c>/console</c>: one HTML page with its script and style (embedded in the gateway, no build
/// step), calling the operator endpoints under <c>/api/v1</c> with the key the operator pastes. The page itself is
/// public; every figure and action needs an operator key, as from any other client.
/// </summary>
public static class OperatorConsole
{
    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        ["console.html"] = "text/html; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
        ["console.css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder app)
    {
        var contents = Files.Keys.ToDictionary(name => name, Read, StringComparer.Ordinal);
        app.MapGet("/console", (HttpContext http) => Serve(http, contents, "console.html")).ExcludeFromDescription();
        app.MapGet("/console/{file}", (string file, HttpContext http) => contents.ContainsKey(file)
                ? Serve(http, contents, file)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file.", detail: $"The console has no '{file}'."))
            .ExcludeFromDescription();
        app.MapGet("/console/config.json", (IOptions<OperatorConsoleOptions> options) => Results.Json(new { traceViewerUrl = options.Value.TraceViewerUrl }))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext http, Dictionary<string, byte[]> contents, string file)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        return Results.Bytes(contents[file], Files[file]);
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(OperatorConsole).Assembly.GetManifestResourceStream("console/" + name)
                           ?? throw new InvalidOperationException($"The console's {name} is not embedded in the gateway.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
