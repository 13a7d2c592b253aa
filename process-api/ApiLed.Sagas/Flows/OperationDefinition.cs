using System.Text.Json.Serialization;

namespace ApiLed.Sagas.Flows;

/// <summary>
/// One operation a system offers, declared in the flows file under <c>Flows:Systems:{system}:Operations:{name}</c>:
/// the HTTP request it makes, the fields of the answer a flow keeps, how answers are classified and the operation
/// that undoes it. A saga pins the operations its flow uses when it starts, so a later reload changes new orders only.
/// </summary>
public sealed record OperationDefinition
{
    /// <summary>GET, POST, PUT, PATCH or DELETE. Everything but GET is mutating and carries the step's Idempotency-Key.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>The path under the system's base URL; <c>${expression}</c> parts are filled in and URL-escaped.</summary>
    public string Path { get; init; } = "";

    /// <summary>
    /// The JSON request body, field by field (a dotted field name nests: <c>shipTo.country</c>). A value that is one
    /// <c>${expression}</c> keeps the expression's JSON type; any other text is a string with its <c>${…}</c> parts filled in.
    /// Empty: no body.
    /// </summary>
    public Dictionary<string, string> Body { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The fields of the answer kept as the step's result (readable later as <c>steps.{step}.result.{field}</c>); empty keeps the whole answer.</summary>
    public List<string> Result { get; init; } = [];

    /// <summary>How the system's answers are classified beyond the defaults.</summary>
    public AnswerClassification Outcomes { get; init; } = new();

    /// <summary>The operation of the same system that undoes this one; required for a mutating operation a step runs.</summary>
    public string? Undo { get; init; }

    [JsonIgnore]
    public bool Mutating => !string.Equals(Method, "GET", StringComparison.OrdinalIgnoreCase);
}
