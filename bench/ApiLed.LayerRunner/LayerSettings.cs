namespace ApiLed.LayerRunner;

/// <summary>How a bench tool starts its own layer.</summary>
public sealed record LayerSettings
{
    /// <summary>The value of the process API's <c>Flows__OrderFlow</c>: the flow new orders run.</summary>
    public required string OrderFlow { get; init; }

    /// <summary>Place WireMock in front of billing (for the process API and billing's participant).</summary>
    public bool BillingProxy { get; init; }

    /// <summary>The WireMock standalone jar (null: <c>APILED_WIREMOCK_JAR</c>, then tests/tools/node_modules).</summary>
    public string? WireMockJar { get; init; }

    /// <summary>Build ApiLed.sln (Release) before starting.</summary>
    public bool Build { get; init; } = true;

    /// <summary>
    /// Where the services keep their stores: null for SQLite files in the run's folder, or an Npgsql connection string
    /// of a PostgreSQL server (a role that may create databases) on which the run creates a database per service.
    /// </summary>
    public string? PostgresServer { get; init; }

    /// <summary>
    /// RabbitMQ nodes of the run's own broker: 1, or 3 clustered (every service is given the first node's URL and the
    /// other two as <c>RabbitMq:Endpoints</c>; the quorum queues are replicated to all three).
    /// </summary>
    public int BrokerNodes { get; init; } = 1;

    /// <summary>Instances of the process API (1 or 2), sharing its store and queues.</summary>
    public int ProcessInstances { get; init; } = 1;

    /// <summary>More environment variables per service, laid over the ones the layer sets (e.g. a prefetch to try).</summary>
    public IReadOnlyDictionary<LayerService, IReadOnlyDictionary<string, string>> Environment { get; init; } =
        new Dictionary<LayerService, IReadOnlyDictionary<string, string>>();
}
