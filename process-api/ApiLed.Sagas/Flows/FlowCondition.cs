using System.Collections.Concurrent;
using System.Text.Json;

namespace ApiLed.Sagas.Flows;

/// <summary>
/// A condition of the flow language: comparisons of expressions (<see cref="FlowExpression"/> paths and literals)
/// joined with <c>and</c>, <c>or</c>, <c>not</c> and parentheses, e.g. <c>order.totalCents > 100000</c> or
/// <c>steps.screen-order.result.decision == 'review' or not (order.currency == 'EUR')</c>. Comparison operators:
/// <c>== != &gt; &gt;= &lt; &lt;=</c> (<c>&amp;&amp;</c>, <c>||</c> and <c>!</c> are accepted too). Numbers compare as
/// numbers, strings ordinally; a missing value is <c>null</c>. A bare value holds when it is <c>true</c>, a non-zero
/// number, a non-empty string, or an object or array.
/// </summary>
public sealed class FlowCondition
{
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, FlowCondition> Parsed = new(StringComparer.Ordinal);

    private readonly Node root;

    private FlowCondition(string text, Node root, IReadOnlyList<FlowExpression> operands)
    {
        Text = text;
        this.root = root;
        Operands = operands;
    }

    public string Text { get; }

    /// <summary>Every value the condition reads (for validation: a step may read only steps that run before it).</summary>
    public IReadOnlyList<FlowExpression> Operands { get; }

    /// <summary>The condition reads nothing: it always holds, or never does.</summary>
    public bool? Constant => Operands.All(o => o.Path is null) ? root.Evaluate(default) : null;

    public static FlowCondition? Parse(string text, out string? error)
    {
        error = null;
        if (Parsed.TryGetValue(text, out var known))
        {
            return known;
        }

        var parser = new Parser(text);
        var node = parser.Parse(out error);
        if (node is null)
        {
            error = $"'{text}': {error}";
            return null;
        }

        var condition = new FlowCondition(text, node, parser.Operands);
        if (Parsed.Count < CacheLimit)
        {
            Parsed.TryAdd(text, condition);
        }

        return condition;
    }

    /// <summary>Parses a condition known to be valid (validated when the flows were loaded).</summary>
    public static FlowCondition Of(string text) =>
        Parse(text, out var error) ?? throw new InvalidOperationException($"Invalid condition: {error}");

    public bool Holds(JsonElement scope) => root.Evaluate(scope);

    private abstract class Node
    {
        public abstract bool Evaluate(JsonElement scope);
    }

    private sealed class And(Node left, Node right) : Node
    {
        public override bool Evaluate(JsonElement scope) => left.Evaluate(scope) && right.Evaluate(scope);
    }

    private sealed class Or(Node left, Node right) : Node
    {
        public override bool Evaluate(JsonElement scope) => left.Evaluate(scope) || right.Evaluate(scope);
    }

    private sealed class Not(Node inner) : Node
    {
        public override bool Evaluate(JsonElement scope) => !inner.Evaluate(scope);
    }

    private sealed class Truthy(FlowExpression value) : Node
    {
        public override bool Evaluate(JsonElement scope)
        {
            var v = Value(value, scope);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.Number => v.GetDouble() != 0,
                JsonValueKind.String => v.GetString()!.Length > 0,
                JsonValueKind.Object or JsonValueKind.Array => true,
                _ => false,
            };
        }
    }

    private sealed class Compare(FlowExpression left, string op, FlowExpression right) : Node
    {
        public override bool Evaluate(JsonElement scope)
        {
            var a = Value(left, scope);
            var b = Value(right, scope);
            int? order = (a.ValueKind, b.ValueKind) switch
            {
                (JsonValueKind.Number, JsonValueKind.Number) => a.GetDecimal().CompareTo(b.GetDecimal()),
                (JsonValueKind.String, JsonValueKind.String) => string.CompareOrdinal(a.GetString(), b.GetString()),
                (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => a.ValueKind == b.ValueKind ? 0 : null,
                (JsonValueKind.Null or JsonValueKind.Undefined, JsonValueKind.Null or JsonValueKind.Undefined) => 0,
                _ => null, // different kinds (or objects): only "not equal" holds
            };
            return op switch
            {
                "==" => order == 0,
                "!=" => order != 0,
                ">" => order > 0,
                ">=" => order >= 0,
                "<" => order < 0,
                "<=" => order <= 0,
                _ => false,
            };
        }
    }

    private static JsonElement Value(FlowExpression expression, JsonElement scope) => expression.Evaluate(scope);

    /// <summary>Recursive descent: or → and → not → comparison → operand | ( or ).</summary>
    private sealed class Parser(string text)
    {
        private static readonly string[] Comparisons = ["==", "!=", ">=", "<=", ">", "<"];
        private int at;

        public List<FlowExpression> Operands { get; } = [];

        public Node? Parse(out string? error)
        {
            try
            {
                var node = ParseOr();
                SkipSpace();
                if (at < text.Length)
                {
                    throw new FormatException($"unexpected '{text[at..]}'");
                }

                error = null;
                return node;
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (Take("or") || Take("||"))
            {
                left = new Or(left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseNot();
            while (Take("and") || Take("&&"))
            {
                left = new And(left, ParseNot());
            }

            return left;
        }

        private Node ParseNot()
        {
            if (Take("not") || Take("!"))
            {
                return new Not(ParseNot());
            }

            return ParseComparison();
        }

        private Node ParseComparison()
        {
            SkipSpace();
            if (at < text.Length && text[at] == '(')
            {
                at++;
                var inner = ParseOr();
                if (!Take(")"))
                {
                    throw new FormatException("a '(' is not closed");
                }

                return inner;
            }

            var left = ParseOperand();
            SkipSpace();
            foreach (var op in Comparisons)
            {
                if (string.CompareOrdinal(text, at, op, 0, op.Length) == 0)
                {
                    at += op.Length;
                    return new Compare(left, op, ParseOperand());
                }
            }

            return new Truthy(left);
        }

        private FlowExpression ParseOperand()
        {
            SkipSpace();
            var start = at;
            if (at < text.Length && text[at] == '\'')
            {
                at++;
                while (at < text.Length && !(text[at] == '\'' && (at + 1 >= text.Length || text[at + 1] != '\'')))
                {
                    at += text[at] == '\'' ? 2 : 1;
                }

                if (at >= text.Length)
                {
                    throw new FormatException("a quoted text is not closed");
                }

                at++;
            }
            else
            {
                while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '.' or '-' or '_'))
                {
                    at++;
                }
            }

            if (at == start)
            {
                throw new FormatException(at < text.Length ? $"expected a value at '{text[at..]}'" : "expected a value at the end");
            }

            var operand = FlowExpression.Parse(text[start..at], out var error) ?? throw new FormatException(error ?? "not a value");
            Operands.Add(operand);
            return operand;
        }

        private bool Take(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, at, token, 0, token.Length) != 0)
            {
                return false;
            }

            var end = at + token.Length;
            if (char.IsAsciiLetter(token[0]) && end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or '-' or '_'))
            {
                return false; // "order" is a path, not "or" followed by "der"
            }

            at = end;
            return true;
        }

        private void SkipSpace()
        {
            while (at < text.Length && char.IsWhiteSpace(text[at]))
            {
                at++;
            }
        }
    }
}
