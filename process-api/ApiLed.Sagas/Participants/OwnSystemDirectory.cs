using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.Sagas.Participants;

/// <summary>
/// A participant reaches one system: its own, through the HTTP client named <see cref="ClientName"/> (the service's
/// own request pipeline, or <see cref="ChoreographyOptions.SystemApiUrl"/>). It knows no catalogue: a saga carries its operations.
/// </summary>
public sealed class OwnSystemDirectory(ParticipantIdentity identity, IHttpClientFactory clients) : ISystemDirectory
{
    public const string ClientName = "own-system-api";

    public bool TryGetClient(string system, out HttpClient client)
    {
        client = system == identity.System ? clients.CreateClient(ClientName) : null!;
        return client is not null;
    }

    public OperationDefinition? CurrentOperation(string qualifiedName) => null;
}
