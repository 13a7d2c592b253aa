using System.Text;
using System.Text.Json;

namespace ApiLed.Sagas.Flows;

/// <summary>
/// An expression of the flow language, as written inside <c>${…}</c>:
/// <list type="bullet">
/// <item>a path into the saga's scope: <c>order.totalCents</c>, <c>order.shipTo.country</c>, <c>order.lines.0.sku</c>,
/// <c>partner.id</c>, <c>saga.orderId</c>, <c>steps.charge-payment.result.chargeId</c>, <c>steps.charge-payment.status</c>;</item>
/// <item>a literal: <c>42</c>, <c>-1.5</c>, <c>'text'</c> (a quote doubled inside), <c>true</c>, <c>false</c>, <c>null</c>;</item>
/// <item><c>pick(path, 'field', …)</c>: the object with only those fields, or for an array each element so.</item>
/// </list>
/// A path that leads nowhere is <c>null</c>.
/// </summary>
public sealed class FlowExpression
{
    /// <summary>The names a path may start with.</summary>
    public static readonly IReadOnlyList<string> Roots = ["order", "partner", "saga", "steps", "callback"];

    private readonly string[]? path;
    private readonly JsonElement literal;
    private readonly string[]? picked;

    private FlowExpression(string text, string[]? path, JsonElement literal, string[]? picked)
    {
        Text = text;
        this.path = path;
        this.literal = literal;
        this.picked = picked;
    }

    public string Text { get; }

    /// <summary>The path the expression reads, if it reads one (for validation: <c>steps.{name}</c> must run earlier).</summary>
    public IReadOnlyList<string>? Path => path;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static FlowExpression? Parse(string text, out string? error)
    {
        error = null;
        var body = text.Trim();
        if (body.Length == 0)
        {
            error = "an empty expression";
            return null;
        }

        if (body.StartsWith("pick(", StringComparison.Ordinal))
        {
            if (!body.EndsWith(')'))
            {
                error = $"'{text}': pick( has no closing parenthesis";
                return null;
            }

            var arguments = SplitArguments(body[5..^1], out error);
            if (arguments is null)
            {
                error = $"'{text}': {error}";
                return null;
            }

            if (arguments.Count < 2)
            {
                error = $"'{text}': pick(path, 'field', …) needs a path and at least one field";
                return null;
            }

            var source = ParsePath(arguments[0], out error);
            if (source is null)
            {
                error = $"'{text}': {error}";
                return null;
            }

            var fields = new string[arguments.Count - 1];
            for (var i = 1; i < arguments.Count; i++)
            {
                if (ParseString(arguments[i]) is not { Length: > 0 } field)
                {
                    error = $"'{text}': pick's fields are quoted names, like 'sku'; '{arguments[i]}' is not";
                    return null;
                }

                fields[i - 1] = field;
            }

            return new FlowExpression(text, source, default, fields);
        }

        if (ParseLiteral(body) is { } literal)
        {
            return new FlowExpression(text, null, literal, null);
        }

        var parsed = ParsePath(body, out error);
        if (parsed is null)
        {
            error = $"'{text}': {error}";
            return null;
        }

        return new FlowExpression(text, parsed, default, null);
    }

    /// <summary>The expression's value, read from <paramref name="scope"/> (a path that leads nowhere is Undefined).</summary>
    public JsonElement Evaluate(JsonElement scope)
    {
        if (path is null)
        {
            return literal;
        }

        if (picked is null)
        {
            return scope.ValueKind != JsonValueKind.Undefined && TryResolve(scope, path, out var value) ? value : default;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer, scope);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Writes the expression's value, read from <paramref name="scope"/>, as JSON.</summary>
    public void WriteTo(Utf8JsonWriter writer, JsonElement scope)
    {
        if (path is null)
        {
            literal.WriteTo(writer);
            return;
        }

        if (!TryResolve(scope, path, out var value))
        {
            writer.WriteNullValue();
            return;
        }

        if (picked is null)
        {
            value.WriteTo(writer);
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray();
            foreach (var item in value.EnumerateArray())
            {
                WritePicked(writer, item);
            }

            writer.WriteEndArray();
        }
        else
        {
            WritePicked(writer, value);
        }
    }

    /// <summary>The value as text inside a string: strings as they are, numbers and booleans as written, null as nothing, objects as JSON.</summary>
    public string ToText(JsonElement scope)
    {
        if (path is not null && picked is null)
        {
            return TryResolve(scope, path, out var value) ? TextOf(value) : "";
        }

        if (path is null)
        {
            return TextOf(literal);
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer, scope);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };

    private void WritePicked(Utf8JsonWriter writer, JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            item.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        foreach (var field in picked!)
        {
            if (item.TryGetProperty(field, out var value))
            {
                writer.WritePropertyName(field);
                value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static bool TryResolve(JsonElement scope, string[] path, out JsonElement value)
    {
        value = scope;
        foreach (var segment in path)
        {
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment, out var child))
            {
                value = child;
            }
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static string[]? ParsePath(string text, out string? error)
    {
        error = null;
        var segments = text.Trim().Split('.');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                error = $"'{segment}' is not a name (a path is names joined by dots, like order.totalCents)";
                return null;
            }
        }

        if (!Roots.Contains(segments[0]))
        {
            error = $"a path starts with one of {string.Join(", ", Roots)}, not '{segments[0]}'";
            return null;
        }

        if (segments[0] == "steps" && segments.Length < 3)
        {
            error = "a step's value is read as steps.{step}.result.{field} or steps.{step}.status";
            return null;
        }

        return segments;
    }

    private static JsonElement? ParseLiteral(string text)
    {
        if (text is "true" or "false" or "null" || (text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '-')))
        {
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return ParseString(text) is { } value ? JsonSerializer.SerializeToElement(value) : null;
    }

    /// <summary>A single-quoted string ('it''s' is "it's"), or null.</summary>
    private static string? ParseString(string text)
    {
        text = text.Trim();
        if (text.Length < 2 || text[0] != '\'' || text[^1] != '\'')
        {
            return null;
        }

        var inner = text[1..^1];
        return inner.Replace("''", "\u0000", StringComparison.Ordinal).Contains('\'') ? null : inner.Replace("''", "'", StringComparison.Ordinal);
    }

    private static List<string>? SplitArguments(string text, out string? error)
    {
        error = null;
        var arguments = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\'')
            {
                quoted = !quoted;
            }
            else if (text[i] == ',' && !quoted)
            {
                arguments.Add(text[start..i].Trim());
                start = i + 1;
            }
        }

        if (quoted)
        {
            error = "a quoted name is not closed";
            return null;
        }

        arguments.Add(text[start..].Trim());
        return arguments;
    }
}
