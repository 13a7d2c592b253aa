using System.Text.Json;
using System.Text.RegularExpressions;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// A request body that JSON could not turn into the operation's request, described for a partner: where in the body
/// (a JSON path), and what was expected there in words. System.Text.Json's own messages name .NET types
/// ("could not be converted to ApiLed.ExperienceApi.Orders.PlaceOrderRequest"); these never do.
/// </summary>
public sealed partial record JsonBodyError(string Type, string Title, string Detail, string? Field)
{
    /// <param name="error">What the JSON reader or serializer threw.</param>
    /// <param name="bodyType">The type the body was read as (the endpoint's request type), to say what the value at the
    /// failing path should have been; the serializer's message names the enclosing type instead.</param>
    public static JsonBodyError From(JsonException error, Type? bodyType)
    {
        var message = error.Message;
        var path = string.IsNullOrEmpty(error.Path) ? "$" : error.Path;
        var at = error.LineNumber is { } line && error.BytePositionInLine is { } position
            ? $" (line {line + 1}, position {position})"
            : string.Empty;

        if (UnmappedMember().Match(message) is { Success: true } unmapped)
        {
            var property = unmapped.Groups["property"].Value;
            var field = path.EndsWith("." + property, StringComparison.Ordinal) || path.EndsWith($"['{property}']", StringComparison.Ordinal)
                ? path
                : $"{path}.{property}";
            return new("unknown-field", "The request body has a field this operation does not know.",
                $"'{property}' is not a field of this request (at {field}); remove it, or check its spelling against the API document.", field);
        }

        if (message.Contains("could not be converted to ", StringComparison.Ordinal))
        {
            var expected = bodyType is not null && ExpectedValues.TypeAt(bodyType, path) is { } type
                ? ExpectedValues.Describe(type)
                : path == "$" ? "an object" : "a value of another kind";
            return new("malformed-json", "The request body is not valid JSON for this operation.",
                path == "$" ? $"The body must be {expected}{at}." : $"The value at {path}{at} must be {expected}.", path);
        }

        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            return new("malformed-json", "The request body is not valid JSON for this operation.",
                $"Required fields are missing at {path}: {missing.Groups["names"].Value}.", path);
        }

        // A syntax error ("'x' is an invalid start of a value") says nothing about .NET; anything else is scrubbed.
        var detail = TypeName().Replace(StripPosition().Replace(message, string.Empty).Trim(), m => ExpectedValues.Describe(m.Value)).TrimEnd('.');
        return new("malformed-json", "The request body is not valid JSON.", $"{detail}, at {path}{at}.", path);
    }

    [GeneratedRegex(@"The JSON property '(?<property>[^']*)' could not be mapped to any \.NET member")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"missing required properties(?: including)?: (?<names>.+?)\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"\s*(Path: .*)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex StripPosition();

    [GeneratedRegex(@"\b(?:System|Microsoft|ApiLed)(?:\.[\w`\[\]]+)+")]
    private static partial Regex TypeName();
}
