using ApiLed.Sagas.Flows;

namespace ApiLed.Sagas.Operations;

/// <summary>Where the systems a process reaches are, and what they offer now.</summary>
public interface ISystemDirectory
{
    /// <summary>The HTTP client of <paramref name="system"/> (its base address and call policies), if this process reaches it.</summary>
    bool TryGetClient(string system, out HttpClient client);

    /// <summary>
    /// The operation as declared now: only for a saga that started before operations were pinned in its definition
    /// (none for a participant, which knows no catalogue).
    /// </summary>
    OperationDefinition? CurrentOperation(string qualifiedName);
}
