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

/// <summary>Collects every field error of a request so one 400 answer names them all.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    /// <summary>Adds <paramref name="message"/> for <paramref name="field"/> when <paramref name="valid"/> is false.</summary>
    public FieldErrors Check(bool valid, string field, string message) => valid ? this : Add(field, message);

    /// <summary>
    /// Checks every item of <paramref name="items"/> (the field <paramref name="field"/>): a null item is reported as
    /// <c>{field}[i]</c> with <paramref name="nullMessage"/>, any other is given to <paramref name="check"/> with its path.
    /// </summary>
    public FieldErrors CheckEach<T>(IReadOnlyList<T>? items, string field, string nullMessage, Action<FieldErrors, T, string> check)
    {
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            var at = $"{field}[{i}]";
            if (items![i] is { } item)
            {
                check(this, item, at);
            }
            else
            {
                Add(at, nullMessage);
            }
        }

        return this;
    }

    public IResult ToResult() => Problems.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
