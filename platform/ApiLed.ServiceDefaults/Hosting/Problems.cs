using Microsoft.AspNetCore.Http;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>RFC 9457 problem+json answers with stable <c>type</c> URIs that partners can branch on.</summary>
public static class Problems
{
    public const string TypeBase = "https://apiled.dev/problems/";

    public static IResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail ?? "One or more fields are invalid; see 'errors'.",
            type: TypeBase + "validation", title: "The request is invalid.");

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Of(int status, string type, string title, string? detail = null,
        IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: TypeBase + type, extensions: extensions);
}
