using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ApiLed.ProcessApi.Apis;

/// <summary>The opaque cursor of a saga search page: where the page ended (the last saga's start time and order id), base64url.</summary>
public static class SagaCursor
{
    public static string Write(DateTimeOffset createdAt, string orderId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{createdAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{orderId}"));

    /// <summary>The position a cursor names; null when there is none or it is not one <see cref="Write"/> made.</summary>
    public static (DateTimeOffset CreatedAt, string OrderId)? Read(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 400)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar > 0 && long.TryParse(text[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                           && ticks is >= 0 and <= 3155378975999999999 && bar < text.Length - 1
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
