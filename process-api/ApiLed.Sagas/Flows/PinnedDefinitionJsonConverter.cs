using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiLed.Sagas.Flows;

/// <summary>
/// Reads and writes a saga's pinned <see cref="FlowDefinition"/>: it never changes once the saga starts, yet every save
/// of the saga and every event carries it (with its operations, the larger part of a saga). So each definition instance
/// is serialized once and its JSON written as it is from then on, and each distinct definition read is materialized once
/// and shared (bounded; a definition is treated as immutable by everything that holds one).
/// </summary>
public sealed class PinnedDefinitionJsonConverter : JsonConverter<FlowDefinition>
{
    private const int DistinctLimit = 256;
    private static readonly JsonSerializerOptions Plain = new(JsonSerializerDefaults.Web);
    private static readonly ConditionalWeakTable<FlowDefinition, byte[]> Written = new();
    private static readonly ConcurrentDictionary<string, FlowDefinition> Materialized = new(StringComparer.Ordinal);

    public override FlowDefinition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var json = document.RootElement.GetRawText();
        if (Materialized.TryGetValue(json, out var known))
        {
            return known;
        }

        var definition = document.RootElement.Deserialize<FlowDefinition>(Plain)
                         ?? throw new JsonException("A saga's definition cannot be null.");
        if (Materialized.Count >= DistinctLimit)
        {
            return definition;
        }

        var shared = Materialized.GetOrAdd(json, definition);
        Written.TryAdd(shared, Encoding.UTF8.GetBytes(json));
        return shared;
    }

    public override void Write(Utf8JsonWriter writer, FlowDefinition value, JsonSerializerOptions options)
    {
        if (!Written.TryGetValue(value, out var json))
        {
            json = JsonSerializer.SerializeToUtf8Bytes(value, Plain);
            Written.AddOrUpdate(value, json);
        }

        writer.WriteRawValue(json, skipInputValidation: true);
    }
}
