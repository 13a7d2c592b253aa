using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ApiLed.Sagas.Flows;

/// <summary>
/// Text with <c>${expression}</c> parts (see <see cref="FlowExpression"/>); <c>$$</c> is a literal <c>$</c>.
/// Parsed templates are kept by their text, so a saga's pinned operations are not parsed again at every step.
/// </summary>
public sealed class TextTemplate
{
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, TextTemplate> Parsed = new(StringComparer.Ordinal);

    private readonly object[] parts; // string or FlowExpression

    private TextTemplate(object[] parts) => this.parts = parts;

    /// <summary>The template is one <c>${expression}</c> and nothing else: its value keeps its JSON type.</summary>
    public FlowExpression? Single => parts is [FlowExpression only] ? only : null;

    public IEnumerable<FlowExpression> Expressions => parts.OfType<FlowExpression>();

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static TextTemplate? Parse(string text, out string? error)
    {
        error = null;
        if (Parsed.TryGetValue(text, out var known))
        {
            return known;
        }

        var parts = new List<object>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$')
            {
                literal.Append(text[i]);
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '$')
            {
                literal.Append('$');
                i++;
                continue;
            }

            if (i + 1 >= text.Length || text[i + 1] != '{')
            {
                literal.Append('$');
                continue;
            }

            var end = ClosingBrace(text, i + 2);
            if (end < 0)
            {
                error = $"'${{' at position {i} has no closing '}}'";
                return null;
            }

            var expression = FlowExpression.Parse(text[(i + 2)..end], out error);
            if (expression is null)
            {
                return null;
            }

            if (literal.Length > 0)
            {
                parts.Add(literal.ToString());
                literal.Clear();
            }

            parts.Add(expression);
            i = end;
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        var template = new TextTemplate([.. parts]);
        if (Parsed.Count < CacheLimit)
        {
            Parsed.TryAdd(text, template);
        }

        return template;
    }

    /// <summary>Parses a template known to be valid (validated when the flows were loaded).</summary>
    public static TextTemplate Of(string text) =>
        Parse(text, out var error) ?? throw new InvalidOperationException($"Invalid template '{text}': {error}");

    /// <summary>The text with every expression's value in place, each passed through <paramref name="escape"/> if given.</summary>
    public string Render(JsonElement scope, Func<string, string>? escape = null)
    {
        if (parts is [string only])
        {
            return only;
        }

        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part is FlowExpression expression
                ? (escape ?? (s => s))(expression.ToText(scope))
                : (string)part);
        }

        return text.ToString();
    }

    /// <summary>Writes the template as a JSON value: one expression keeps its type, anything else is a string.</summary>
    public void WriteTo(Utf8JsonWriter writer, JsonElement scope)
    {
        if (Single is { } expression)
        {
            expression.WriteTo(writer, scope);
        }
        else
        {
            writer.WriteStringValue(Render(scope));
        }
    }

    private static int ClosingBrace(string text, int from)
    {
        var quoted = false;
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\'')
            {
                quoted = !quoted;
            }
            else if (text[i] == '}' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }
}
