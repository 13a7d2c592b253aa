using System.Globalization;

namespace ApiLed.LayerRunner;

/// <summary>A range of TCP ports, both ends included (<c>--ports 21000-21999</c>).</summary>
public sealed record PortRange(int First, int Last)
{
    /// <summary>Reads <c>FIRST-LAST</c>; throws <see cref="ArgumentException"/> naming <paramref name="option"/> when it is not a range of ports above 1023.</summary>
    public static PortRange Parse(string option, string text)
    {
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first is >= 1024 and <= 65535 && last is >= 1024 and <= 65535 && first + 31 <= last)
        {
            return new PortRange(first, last);
        }

        throw new ArgumentException($"{option} takes a range of at least 32 TCP ports between 1024 and 65535, such as 21000-21999 (was '{text}').");
    }

    public override string ToString() => $"{First}-{Last}";
}
