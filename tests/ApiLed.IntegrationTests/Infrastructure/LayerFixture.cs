namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>The services of the layer.</summary>
public enum LayerService
{
    Inventory,
    Billing,
    Shipping,
    Risk,
    ProcessApi,
    ExperienceApi,
    Gateway,
}

/// <summary>How a <see cref="LayerFixture"/> starts the layer. Change it in <see cref="LayerFixture.Configure"/>.</summary>
public sealed class LayerOptions
{
    /// <summary>The system APIs (Inventory, Billing, Shipping) that get a WireMock in front: the process API is given
    /// the WireMock URL, and WireMock proxies everything to the real API (add faults with the WireMock helpers).</summary>
    public HashSet<LayerService> WireMockInFrontOf { get; } = [];

    /// <summary>The services to start (default: all six). Leave out the ones a test does not need.</summary>
    public HashSet<LayerService> Services { get; } = [.. Enum.GetValues<LayerService>()];

    /// <summary>Extra or overriding environment variables per service (a null value removes a variable).</summary>
    public Dictionary<LayerService, Dictionary<string, string?>> Environment { get; } =
        Enum.GetValues<LayerService>().ToDictionary(s => s, _ => new Dictionary<string, string?>(StringComparer.Ordinal));

    /// <summary>Time each service gets to answer 200 on <c>/health/ready</c>.</summary>
    public TimeSpan ReadyTimeout { get; set; } = ServiceProcess.DefaultReadyTimeout;

    /// <summary>Keep the fixture's temp folder (stores and logs) after dispose; default from <c>APILED_KEEP_TEST_DATA=1</c>.</summary>
    public bool KeepTempDirectory { get; set; } = System.Environment.GetEnvironmentVariable("APILED_KEEP_TEST_DATA") == "1";

    /// <summary>Sets (or, with null, removes) one environment variable of one service.</summary>
    public LayerOptions SetEnvironment(LayerService service, string name, string? value)
    {
        Environment[service][name] = value;
        return this;
    }
}

/// <summary>
/// Starts the whole layer as real processes on free ports of 127.0.0.1 with a RabbitMQ virtual host of its own:
/// the three system APIs (in parallel), then the process API and the experience API (in parallel), then the gateway;
/// and stops everything it started, in reverse. Derive from it and override <see cref="Configure"/> (or pass a
/// configure action to the constructor) to put WireMock in front of a system API, leave services out or override
/// environment variables; override <see cref="OnStartedAsync"/> to seed data. Every fixture configures the
/// <see cref="TestPartners"/> at the gateway, and <see cref="GatewayClient"/> calls as <see cref="TestPartners.Default"/>.
/// </summary>
public class LayerFixture : IAsyncLifetime
{
    private readonly Action<LayerOptions>? _configure;
    private readonly Dictionary<LayerService, ServiceProcess> _services = [];
    private readonly Dictionary<LayerService, HttpClient> _clients = [];
    private readonly Dictionary<LayerService, WireMockServer> _mocks = [];
    private readonly Dictionary<LayerService, int> _ports = [];
    private readonly List<ServiceProcess> _extraInstances = [];
    private RabbitMqTestBroker? _broker;
    private TestStores? _stores;
    private bool _initFailed;
    private bool _disposed;

    public LayerFixture()
    {
    }

    protected LayerFixture(Action<LayerOptions> configure)
    {
        _configure = configure;
    }

    /// <summary>The options in force (after <see cref="Configure"/>).</summary>
    public LayerOptions Options { get; } = new();

    /// <summary>This fixture's temp folder: <c>data/</c> holds the SQLite stores, <c>logs/</c> the service logs.</summary>
    public string TempDirectory { get; } =
        Path.Combine(Path.GetTempPath(), "apiled-tests", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Folder of the service logs.</summary>
    public string LogDirectory => Path.Combine(TempDirectory, "logs");

    /// <summary>The fixture's RabbitMQ virtual host.</summary>
    public RabbitMqTestBroker Broker => _broker ?? throw new InvalidOperationException("The fixture has not been initialised.");

    public ServiceProcess Inventory => Service(LayerService.Inventory);
    public ServiceProcess Billing => Service(LayerService.Billing);
    public ServiceProcess Shipping => Service(LayerService.Shipping);

    public ServiceProcess Risk => Service(LayerService.Risk);
    public ServiceProcess ProcessApi => Service(LayerService.ProcessApi);
    public ServiceProcess ExperienceApi => Service(LayerService.ExperienceApi);
    public ServiceProcess Gateway => Service(LayerService.Gateway);

    public HttpClient InventoryClient => Client(LayerService.Inventory);
    public HttpClient BillingClient => Client(LayerService.Billing);
    public HttpClient ShippingClient => Client(LayerService.Shipping);

    public HttpClient RiskClient => Client(LayerService.Risk);
    public HttpClient ProcessApiClient => Client(LayerService.ProcessApi);
    public HttpClient ExperienceApiClient => Client(LayerService.ExperienceApi);

    /// <summary>The gateway as <see cref="TestPartners.Default"/> sees it: its API key is sent on every request.</summary>
    public HttpClient GatewayClient => Client(LayerService.Gateway);

    /// <summary>A new client of the gateway sending <paramref name="apiKey"/> in <c>X-Api-Key</c> (none when null); the caller disposes it.</summary>
    public HttpClient CreateGatewayClient(string? apiKey)
    {
        var client = Gateway.CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        }

        return client;
    }

    /// <summary>The header partners send their API key in.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>The WireMock in front of the inventory API, when <see cref="LayerOptions.WireMockInFrontOf"/> has it.</summary>
    public WireMockServer? InventoryMock => _mocks.GetValueOrDefault(LayerService.Inventory);
    public WireMockServer? BillingMock => _mocks.GetValueOrDefault(LayerService.Billing);
    public WireMockServer? ShippingMock => _mocks.GetValueOrDefault(LayerService.Shipping);

    public WireMockServer? RiskMock => _mocks.GetValueOrDefault(LayerService.Risk);

    /// <summary>The port each service was given (also for services not started).</summary>
    public IReadOnlyDictionary<LayerService, int> Ports => _ports;

    /// <summary>A started service.</summary>
    public ServiceProcess Service(LayerService service) =>
        _services.TryGetValue(service, out var process)
            ? process
            : throw new InvalidOperationException($"{service} was not started by this fixture.");

    /// <summary>An <see cref="HttpClient"/> on a started service's base URL (owned by the fixture: do not dispose).</summary>
    public HttpClient Client(LayerService service) =>
        _clients.TryGetValue(service, out var client)
            ? client
            : throw new InvalidOperationException($"{service} was not started by this fixture.");

    /// <summary>The WireMock in front of a system API.</summary>
    public WireMockServer Mock(LayerService service) =>
        _mocks.TryGetValue(service, out var mock)
            ? mock
            : throw new InvalidOperationException($"There is no WireMock in front of {service}: add it to Options.WireMockInFrontOf.");

    /// <summary>The store of each service that has one, by name.</summary>
    public static readonly IReadOnlyDictionary<LayerService, string> StoreNames = new Dictionary<LayerService, string>
    {
        [LayerService.Inventory] = "inventory",
        [LayerService.Billing] = "billing",
        [LayerService.Shipping] = "shipping",
        [LayerService.Risk] = "risk",
        [LayerService.ProcessApi] = "process",
        [LayerService.ExperienceApi] = "experience",
    };

    /// <summary>Where the services keep their stores (SQLite files, or PostgreSQL databases with <c>APILED_TEST_STORE=postgres</c>).</summary>
    public TestStores Stores => _stores ?? throw new InvalidOperationException("The layer has not started.");

    /// <summary>Base URL of a service (<c>http://127.0.0.1:port</c>).</summary>
    public string BaseUrl(LayerService service) => $"http://127.0.0.1:{_ports[service]}";

    /// <summary>The tail of every started service's output, for assertion messages.</summary>
    public string DescribeLogs(int lines = 60) =>
        string.Join(System.Environment.NewLine + System.Environment.NewLine, _services.Values.Select(s => s.LogTail(lines)));

    /// <summary>Override to change the options (called once, before anything starts).</summary>
    protected virtual void Configure(LayerOptions options)
    {
    }

    /// <summary>Override to seed data or check the layer once everything is ready.</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    /// <summary>
    /// Override to change the environment of one service after the defaults and <see cref="LayerOptions.Environment"/>
    /// were applied (e.g. to compute a value from another service's URL).
    /// </summary>
    protected virtual void ConfigureEnvironment(LayerService service, IDictionary<string, string?> environment)
    {
    }

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        try
        {
            await StartLayerAsync();
        }
        catch (Exception e)
        {
            _initFailed = true;
            await DisposeAsync();
            throw new InvalidOperationException($"The layer did not start (logs kept in {LogDirectory}): {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Task.WhenAll(_extraInstances.Select(p => SafeAsync(() => p.DisposeAsync().AsTask())));
        LayerService[][] stages =
        [
            [LayerService.Gateway],
            [LayerService.ExperienceApi, LayerService.ProcessApi],
            [LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.Risk],
        ];
        foreach (var stage in stages)
        {
            await Task.WhenAll(stage.Where(_services.ContainsKey).Select(s => SafeAsync(() => _services[s].DisposeAsync().AsTask())));
        }

        await Task.WhenAll(_mocks.Values.Select(m => SafeAsync(() => m.DisposeAsync().AsTask())));
        if (_broker is not null)
        {
            await SafeAsync(() => _broker.DisposeAsync().AsTask());
        }

        if (_stores is not null && !Options.KeepTempDirectory)
        {
            await SafeAsync(() => _stores.DisposeAsync().AsTask());
        }

        if (!Options.KeepTempDirectory && !_initFailed)
        {
            try
            {
                Directory.Delete(TempDirectory, recursive: true);
            }
            catch (IOException)
            {
                // a file may still be held for a moment; the OS cleans temp
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        GC.SuppressFinalize(this);
    }

    private async Task StartLayerAsync()
    {
        _configure?.Invoke(Options);
        Configure(Options);
        foreach (var front in Options.WireMockInFrontOf)
        {
            if (front is not (LayerService.Inventory or LayerService.Billing or LayerService.Shipping or LayerService.Risk))
            {
                throw new InvalidOperationException($"WireMock can only be put in front of a system API, not {front}.");
            }
        }

        Directory.CreateDirectory(LogDirectory);
        Directory.CreateDirectory(Path.Combine(TempDirectory, "data"));
        foreach (var service in Enum.GetValues<LayerService>())
        {
            _ports[service] = FreePorts.Next();
        }

        _stores = new TestStores(Path.Combine(TempDirectory, "data"));
        await _stores.CreateAsync(StoreNames.Values);
        var brokerTask = RabbitMqTestBroker.CreateAsync();
        var mockTasks = Options.WireMockInFrontOf
            .Where(Options.Services.Contains)
            .Select(async s => (s, mock: await WireMockServer.StartAsync(LogDirectory, "wiremock-" + LogName(s))))
            .ToList();
        try
        {
            await Task.WhenAll(mockTasks.Cast<Task>().Append(brokerTask));
        }
        finally
        {
            // Keep whatever did start, so that DisposeAsync stops it even when something else failed.
            foreach (var task in mockTasks.Where(t => t.IsCompletedSuccessfully))
            {
                _mocks[task.Result.s] = task.Result.mock;
            }

            if (brokerTask.IsCompletedSuccessfully)
            {
                _broker = brokerTask.Result;
            }
        }

        foreach (var (service, mock) in _mocks)
        {
            await mock.ProxyAllToAsync(BaseUrl(service));
        }

        await StartStageAsync(LayerService.Inventory, LayerService.Billing, LayerService.Shipping, LayerService.Risk);
        await StartStageAsync(LayerService.ProcessApi, LayerService.ExperienceApi);
        await StartStageAsync(LayerService.Gateway);
        await OnStartedAsync();
    }

    private async Task StartStageAsync(params LayerService[] services)
    {
        var started = new List<ServiceProcess>();
        foreach (var service in services.Where(Options.Services.Contains))
        {
            var process = new ServiceProcess(LogName(service), RepoPaths.ServiceDll(DllName(service)), _ports[service], EnvironmentOf(service), LogDirectory);
            _services[service] = process;
            process.Start();
            started.Add(process);
        }

        await Task.WhenAll(started.Select(p => p.WaitReadyAsync(Options.ReadyTimeout)));
        foreach (var service in services.Where(_services.ContainsKey))
        {
            var client = _services[service].CreateClient();
            if (service == LayerService.Gateway)
            {
                client.DefaultRequestHeaders.Add(ApiKeyHeader, TestPartners.Default.Key);
            }

            _clients[service] = client;
        }
    }

    /// <summary>
    /// Starts one more instance of <paramref name="service"/> on a port of its own, sharing the first one's store,
    /// broker and settings (for the process API on PostgreSQL: several instances at once). Stopped with the fixture.
    /// <paramref name="port"/>: a port reserved beforehand (e.g. one other services were told of); default a free one.
    /// </summary>
    public async Task<ServiceProcess> StartInstanceAsync(LayerService service, int number, int? port = null)
    {
        var process = new ServiceProcess($"{LogName(service)}-{number}", RepoPaths.ServiceDll(DllName(service)), port ?? FreePorts.Next(),
            EnvironmentOf(service), LogDirectory);
        _extraInstances.Add(process);
        await process.StartAsync(Options.ReadyTimeout);
        return process;
    }

    private Dictionary<string, string?> EnvironmentOf(LayerService service)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        string SystemUrl(LayerService s) => _mocks.TryGetValue(s, out var mock) ? mock.BaseUrl : BaseUrl(s);
        switch (service)
        {
            case LayerService.Inventory:
                Stores.Configure(env, StoreNames[LayerService.Inventory]);
                env["RabbitMq__Url"] = Broker.AmqpUrl; // its choreography participant
                break;
            case LayerService.Billing:
                Stores.Configure(env, StoreNames[LayerService.Billing]);
                env["RabbitMq__Url"] = Broker.AmqpUrl; // its choreography participant
                break;
            case LayerService.Shipping:
                Stores.Configure(env, StoreNames[LayerService.Shipping]);
                env["RabbitMq__Url"] = Broker.AmqpUrl; // its choreography participant
                break;
            case LayerService.Risk:
                Stores.Configure(env, StoreNames[LayerService.Risk]);
                env["RabbitMq__Url"] = Broker.AmqpUrl; // its choreography participant
                break;
            case LayerService.ProcessApi:
                Stores.Configure(env, StoreNames[LayerService.ProcessApi]);
                env["RabbitMq__Url"] = Broker.AmqpUrl;
                env["Flows__Systems__inventory__BaseUrl"] = SystemUrl(LayerService.Inventory);
                env["Flows__Systems__billing__BaseUrl"] = SystemUrl(LayerService.Billing);
                env["Flows__Systems__shipping__BaseUrl"] = SystemUrl(LayerService.Shipping);
                env["Flows__Systems__risk__BaseUrl"] = SystemUrl(LayerService.Risk);
                break;
            case LayerService.ExperienceApi:
                Stores.Configure(env, StoreNames[LayerService.ExperienceApi]);
                env["RabbitMq__Url"] = Broker.AmqpUrl;
                env["Catalog__InventoryUrl"] = BaseUrl(LayerService.Inventory);
                env["ProcessApi__BaseUrl"] = BaseUrl(LayerService.ProcessApi);
                foreach (var partner in TestPartners.All.Where(p => p.WebhookSecret is not null))
                {
                    env[$"Webhooks__SigningSecrets__{partner.Id}"] = partner.WebhookSecret;
                }

                break;
            case LayerService.Gateway:
                env["Gateway__ExperienceApiUrl"] = BaseUrl(LayerService.ExperienceApi);
                env["Gateway__ProcessApiUrl"] = BaseUrl(LayerService.ProcessApi);
                foreach (var (key, value) in TestPartners.All.SelectMany(p => p.GatewayEnvironment()))
                {
                    env[key] = value;
                }

                break;
        }

        if (env.ContainsKey("RabbitMq__Url"))
        {
            // On a cluster (test.sh's cluster pass), every client also knows the other nodes.
            foreach (var (endpoint, i) in RabbitMqTestBroker.OtherEndpoints.Select((e, i) => (e, i)))
            {
                env[$"RabbitMq__Endpoints__{i}"] = endpoint;
            }
        }

        foreach (var (key, value) in Options.Environment[service])
        {
            env[key] = value;
        }

        ConfigureEnvironment(service, env);
        return env;
    }

    private static string DllName(LayerService service) => service switch
    {
        LayerService.Inventory => RepoPaths.Services.InventoryApi,
        LayerService.Billing => RepoPaths.Services.BillingApi,
        LayerService.Shipping => RepoPaths.Services.ShippingApi,
        LayerService.Risk => RepoPaths.Services.RiskApi,
        LayerService.ProcessApi => RepoPaths.Services.ProcessApi,
        LayerService.ExperienceApi => RepoPaths.Services.ExperienceApi,
        LayerService.Gateway => RepoPaths.Services.Gateway,
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    private static string LogName(LayerService service) => service switch
    {
        LayerService.Inventory => "inventory-api",
        LayerService.Billing => "billing-api",
        LayerService.Shipping => "shipping-api",
        LayerService.Risk => "risk-api",
        LayerService.ProcessApi => "process-api",
        LayerService.ExperienceApi => "experience-api",
        LayerService.Gateway => "gateway",
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    private static async Task SafeAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception)
        {
            // keep disposing the rest; a failure to clean up must not hide the test's own result
        }
    }
}
