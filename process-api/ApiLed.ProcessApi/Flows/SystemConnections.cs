using System.Collections.Concurrent;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Resilience;

namespace ApiLed.ProcessApi.Flows;

/// <summary>
/// The process API's connections to the systems of the flows file: one HTTP client per system, with its base URL (and its replicas' URLs), its
/// resilience pipeline (per-call timeout, circuit breaker) and its concurrency limit. A reload that moves a system or
/// changes its protections gets a new client at the next call (the old one is closed once its calls in flight are over);
/// one that adds a system connects it.
/// </summary>
public sealed class SystemConnections(FlowCatalog catalog, ILoggerFactory loggers, TimeProvider clock) : ISystemDirectory, IDisposable
{
    private readonly ConcurrentDictionary<string, (SystemDefinition Settings, HttpClient Client)> clients = new(StringComparer.Ordinal);
    private readonly ILogger logger = loggers.CreateLogger("ApiLed.Resilience");
    private readonly Lock gate = new();

    public bool TryGetClient(string system, out HttpClient client)
    {
        client = null!;
        if (!catalog.Current.Systems.TryGetValue(system, out var settings) || settings.BaseUrl is null)
        {
            return false;
        }

        if (clients.TryGetValue(system, out var known) && SameConnection(known.Settings, settings))
        {
            client = known.Client;
            return true;
        }

        lock (gate)
        {
            if (clients.TryGetValue(system, out known) && SameConnection(known.Settings, settings))
            {
                client = known.Client;
                return true;
            }

            client = Create(system, settings);
            clients[system] = (settings, client);
            if (known.Client is { } replaced)
            {
                // Calls still in flight on the old connection finish within its total timeout; then its sockets are closed.
                _ = Task.Delay(known.Settings.Resilience.TotalTimeout + TimeSpan.FromSeconds(30), CancellationToken.None)
                    .ContinueWith(_ => replaced.Dispose(), TaskScheduler.Default);
            }

            return true;
        }
    }

    public OperationDefinition? CurrentOperation(string qualifiedName) => catalog.Current.Operation(qualifiedName);

    public void Dispose()
    {
        foreach (var (_, client) in clients.Values)
        {
            client.Dispose();
        }
    }

    private static bool SameConnection(SystemDefinition a, SystemDefinition b) =>
        a.BaseUrl == b.BaseUrl && a.Replicas.SequenceEqual(b.Replicas) && a.Resilience == b.Resilience && a.ConcurrencyLimit == b.ConcurrencyLimit;

    private HttpClient Create(string system, SystemDefinition settings)
    {
        HttpMessageHandler handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = settings.Resilience.AttemptTimeout,
        };
        if (settings.Replicas.Length > 0)
        {
            handler = new ReplicaBalancingHandler([settings.BaseUrl!, .. settings.Replicas], clock) { InnerHandler = handler };
        }

        if (settings.ConcurrencyLimit > 0)
        {
            handler = new ConcurrencyLimitHandler(settings.ConcurrencyLimit) { InnerHandler = handler };
        }

        var pipeline = HttpResilience.BuildPipeline($"{system}-api", settings.Resilience, logger);
        return new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = handler })
        {
            BaseAddress = settings.BaseUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }
}
