using System.Reflection;
using System.Text.RegularExpressions;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>Says in words what a value of a .NET type looks like on the wire, so no answer shows a type name.</summary>
public static partial class ExpectedValues
{
    public static string Describe(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Describe(inner) + " or null";
        }

        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => $"'{n}'"));
        }

        if (type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d
                && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))))
        {
            return "an object";
        }

        if (type != typeof(string) && ElementType(type) is not null)
        {
            return "an array";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Decimal or TypeCode.Double or TypeCode.Single => "a number",
            TypeCode.String or TypeCode.Char => "a string",
            TypeCode.Boolean => "true or false",
            TypeCode.DateTime => "a date and time string (ISO 8601)",
            _ when type == typeof(Guid) => "a UUID string",
            _ when type == typeof(DateTimeOffset) => "a date and time string (ISO 8601)",
            _ when type == typeof(DateOnly) => "a date string (yyyy-MM-dd)",
            _ when type == typeof(TimeSpan) => "a duration string (hh:mm:ss)",
            _ when type == typeof(Uri) => "a URL string",
            _ when type == typeof(object) || type.Name is "JsonElement" or "JsonNode" => "a JSON value",
            _ => "an object",
        };
    }

    /// <summary>
    /// The type of the value at <paramref name="jsonPath"/> (<c>$.lines[0].quantity</c>) in a body read as
    /// <paramref name="root"/>, following properties by name (case-insensitive) and collections by index; null when
    /// the path leads nowhere.
    /// </summary>
    public static Type? TypeAt(Type root, string jsonPath)
    {
        Type? current = root;
        foreach (Match step in PathStep().Matches(jsonPath))
        {
            if (current is null)
            {
                return null;
            }

            current = Nullable.GetUnderlyingType(current) ?? current;
            if (step.Groups["index"].Success)
            {
                current = ElementType(current);
                continue;
            }

            var name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
            current = current.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        }

        return current;
    }

    /// <summary>
    /// A type name as a framework message quotes it (<c>System.Int32</c>, <c>Int32</c>, <c>List`1</c>): the words for the
    /// simple types, and "a value of the expected kind" for anything else.
    /// </summary>
    public static string Describe(string typeName)
    {
        var name = typeName.Trim();
        var simple = name[(name.LastIndexOf('.') + 1)..];
        if (simple.Contains('`', StringComparison.Ordinal) || name.EndsWith("[]", StringComparison.Ordinal))
        {
            return simple.StartsWith("Nullable", StringComparison.Ordinal) ? "a value of the expected kind" : "an array";
        }

        var type = Type.GetType("System." + simple);
        return type is not null && (type.IsPrimitive || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
                                    || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(TimeSpan))
            ? Describe(type)
            : "a value of the expected kind";
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}
