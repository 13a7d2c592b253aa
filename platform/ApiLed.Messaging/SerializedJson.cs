using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiLed.Messaging;

/// <summary>
/// A message body serialized once, as UTF-8 JSON: written as it is wherever the message is serialized again (the
/// outbox row, the publish). A saga event is a snapshot of the saga as one transition left it; a
/// <see cref="JsonElement"/> snapshot was parsed into a document only to be written back token by token.
/// </summary>
[JsonConverter(typeof(SerializedJsonConverter))]
public sealed class SerializedJson
{
    private SerializedJson(byte[] utf8) => Utf8 = utf8;

    /// <summary>The JSON text, UTF-8.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary><paramref name="value"/> serialized now (with ASP.NET Core's web defaults): later changes to it are not in it.</summary>
    public static SerializedJson Of<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web));

    /// <summary>A message's data as UTF-8 JSON: a <see cref="SerializedJson"/> as it is, anything else serialized now.</summary>
    public static ReadOnlyMemory<byte> Utf8Of(object data) =>
        data is SerializedJson json ? json.Utf8 : JsonSerializer.SerializeToUtf8Bytes(data, JsonSerializerOptions.Web);

    /// <summary>The JSON read as <typeparamref name="T"/>.</summary>
    public T? Read<T>() => JsonSerializer.Deserialize<T>(Utf8.Span, JsonSerializerOptions.Web);
}
