using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiLed.Messaging;

/// <summary>Writes a <see cref="SerializedJson"/> as the JSON it holds; reading one is not supported (read the type it was made from).</summary>
public sealed class SerializedJsonConverter : JsonConverter<SerializedJson>
{
    public override SerializedJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A serialized message body is written, never read back as such.");

    public override void Write(Utf8JsonWriter writer, SerializedJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
