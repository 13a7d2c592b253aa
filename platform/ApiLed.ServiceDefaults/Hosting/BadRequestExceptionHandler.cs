using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, a value of the wrong kind, an unknown field, a body
/// over the size limit, a missing body, a route or query value that is not of its kind) into a 4xx problem+json
/// that says what is wrong in the partner's terms: a JSON path and what was expected there, never a .NET type name.
/// </summary>
public sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
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
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint(); // the handler runs with the endpoint cleared
        var (status, type, title, detail, field) = (tooLarge, json) switch
        {
            ({ } large, _) => (StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large.", large.Message, null),
            (_, { } malformed) => Describe(JsonBodyError.From(malformed, endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)),
            _ => Describe(bad, endpoint?.Metadata.GetMetadata<MethodInfo>()),
        };

        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Type = Problems.TypeBase + type, Title = title, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    private static (int Status, string Type, string Title, string Detail, string? Field) Describe(JsonBodyError error) =>
        (StatusCodes.Status400BadRequest, error.Type, error.Title, error.Detail, error.Field);

    /// <summary>The framework's binding messages, which quote the parameter's .NET type, said in words.</summary>
    private static (int Status, string Type, string Title, string Detail, string? Field) Describe(BadHttpRequestException bad, MethodInfo? handler)
    {
        var message = bad.Message;
        if (FailedToBind().Match(message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            return (StatusCodes.Status400BadRequest, "invalid-parameter", "A parameter of the request is invalid.",
                $"The value '{bind.Groups["value"].Value}' given for '{name}' is not {Expected(handler, name, bind.Groups["type"].Value)}.", name);
        }

        if (NotProvided().Match(message) is { Success: true } required)
        {
            var name = required.Groups["name"].Value;
            return (StatusCodes.Status400BadRequest, "invalid-parameter", "A required parameter is missing.",
                $"'{name}' is required in the {required.Groups["source"].Value}.", name);
        }

        if (NoBody().IsMatch(message))
        {
            return (StatusCodes.Status400BadRequest, "missing-body", "The request needs a body.",
                "This operation needs a JSON body (Content-Type: application/json).", null);
        }

        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return (bad.StatusCode, "unsupported-media-type", "The request body's media type is not supported.",
                "Send the body as JSON (Content-Type: application/json).", null);
        }

        return (bad.StatusCode, "bad-request", "The request could not be read.",
            TypeName().IsMatch(message) ? "The request could not be read." : message, null);
    }

    /// <summary>What the handler's parameter <paramref name="name"/> takes, in words.</summary>
    private static string Expected(MethodInfo? handler, string name, string quotedType) =>
        handler?.GetParameters().FirstOrDefault(p => p.Name == name)?.ParameterType is { } type
            ? ExpectedValues.Describe(Nullable.GetUnderlyingType(type) ?? type)
            : ExpectedValues.Describe(quotedType);

    [GeneratedRegex("""Failed to bind parameter "(?<type>\S+) (?<name>[^"]+)" from "(?<value>.*)"\.?$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""Required parameter "(?<type>\S+) (?<name>[^"]+)" was not provided from (?<source>.+?)\.?$""")]
    private static partial Regex NotProvided();

    [GeneratedRegex("""(Implicit body inferred|no body was provided|body was not provided)""")]
    private static partial Regex NoBody();

    [GeneratedRegex(@"\b(?:System|Microsoft|ApiLed)\.\w")]
    private static partial Regex TypeName();
}
