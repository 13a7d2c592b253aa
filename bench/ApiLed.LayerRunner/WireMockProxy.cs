using System.Net.Http.Json;
using System.Text.Json;

namespace ApiLed.LayerRunner;

/// <summary>
/// WireMock standalone (the jar from the npm package <c>wiremock</c>, run on Java) in front of billing: a catch-all
/// mapping proxies every request to billing, and while faults are on a scenario cycles through
/// <see cref="CycleLength"/> states, one request per state: at one position of the cycle billing is answered 503, at
/// another the request is proxied after 3.5 s (longer than the caller's 3 s attempt timeout), so one call in ten meets a
/// fault, and a retried call meets a different state.
/// </summary>
public sealed class WireMockProxy : IAsyncDisposable
{
    public const int CycleLength = 20;
    public const int StallMilliseconds = 3500;
    private const string Scenario = "billing-chaos";
    private readonly OwnedProcess _process;
    private readonly HttpClient _admin;
    private readonly List<Guid> _faultMappings = [];

    private WireMockProxy(OwnedProcess process, int port)
    {
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
        _admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(BaseUrl + "/__admin/"), Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>Give this to the callers of billing.</summary>
    public string BaseUrl { get; }

    /// <summary>Starts WireMock on a free port of 127.0.0.1 and waits for its admin API.</summary>
    public static async Task<WireMockProxy> StartAsync(string jar, string logDirectory, CancellationToken ct)
    {
        var port = FreePorts.Next();
        var java = Environment.GetEnvironmentVariable("JAVA_HOME") is { Length: > 0 } home && File.Exists(Path.Combine(home, "bin", "java"))
            ? Path.Combine(home, "bin", "java")
            : ExternalCommand.Find("java") ?? throw new InvalidOperationException("Java is needed for WireMock (Debian: apt-get install default-jre-headless).");
        var process = new OwnedProcess("wiremock-billing", java,
            ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--bind-address", "127.0.0.1", "--disable-banner", "--no-request-journal", "--container-threads", "64",
             "--async-response-enabled", "true"],
            logDirectory, new Dictionary<string, string>(), $"http://127.0.0.1:{port}/__admin/mappings", logDirectory);
        process.Start();
        var proxy = new WireMockProxy(process, port);
        try
        {
            await process.WaitReadyAsync(TimeSpan.FromSeconds(90), ct);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    /// <summary>The WireMock jar: <paramref name="given"/>, else <c>APILED_WIREMOCK_JAR</c>, else the one test.sh installs under tests/tools.</summary>
    public static string FindJar(string? given, string repositoryRoot)
    {
        var jar = given ?? (Environment.GetEnvironmentVariable("APILED_WIREMOCK_JAR") is { Length: > 0 } fromEnv ? fromEnv : null);
        if (jar is not null)
        {
            return File.Exists(jar) ? jar : throw new FileNotFoundException($"The WireMock jar {jar} does not exist.");
        }

        var folder = Path.Combine(repositoryRoot, "tests", "tools", "node_modules", "wiremock");
        return (Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.jar", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault() : null)
            ?? throw new FileNotFoundException($"No WireMock jar under {folder}: run `npm ci --prefix tests/tools` (test.sh does), or pass --wiremock-jar, or leave billing-faults out of --faults.");
    }

    /// <summary>The catch-all mapping that proxies everything to <paramref name="target"/>.</summary>
    public Task ProxyAllToAsync(string target, CancellationToken ct) =>
        AddMappingAsync(new { priority = 10, request = new { method = "ANY", urlPattern = ".*" }, response = new { proxyBaseUrl = target } }, ct);

    /// <summary>
    /// Turns the faults on: one 503 and one 3.5 s stall in every <see cref="CycleLength"/> calls, at positions drawn from
    /// <paramref name="seed"/>. Returns a description for the report.
    /// </summary>
    public async Task<string> EnableFaultsAsync(string target, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        var failAt = random.Next(CycleLength);
        var stallAt = (failAt + 1 + random.Next(CycleLength - 1)) % CycleLength;
        for (var state = 0; state < CycleLength; state++)
        {
            var response = state == failAt
                ? (object)new { status = 503, headers = new Dictionary<string, string> { ["Content-Type"] = "application/problem+json" }, jsonBody = new { title = "Injected by the chaos tool", status = 503 } }
                : state == stallAt
                    ? (object)new { proxyBaseUrl = target, fixedDelayMilliseconds = StallMilliseconds }
                    : new { proxyBaseUrl = target };
            _faultMappings.Add(await AddMappingAsync(
                new
                {
                    priority = 1,
                    scenarioName = Scenario,
                    requiredScenarioState = StateName(state),
                    newScenarioState = StateName((state + 1) % CycleLength),
                    request = new { method = "ANY", urlPattern = ".*" },
                    response,
                },
                ct));
        }

        return $"billing calls through WireMock: 1 in {CycleLength} answered 503, 1 in {CycleLength} stalled {StallMilliseconds} ms";
    }

    /// <summary>Removes the fault mappings; the catch-all proxy stays, so no call goes unanswered meanwhile.</summary>
    public async Task DisableFaultsAsync(CancellationToken ct)
    {
        foreach (var id in _faultMappings)
        {
            using var response = await _admin.DeleteAsync($"mappings/{id}", ct);
            response.EnsureSuccessStatusCode();
        }

        _faultMappings.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _process.DisposeAsync();
    }

    private static string StateName(int state) => state == 0 ? "Started" : $"call-{state}";

    private async Task<Guid> AddMappingAsync(object mapping, CancellationToken ct)
    {
        using var response = await _admin.PostAsJsonAsync("mappings", mapping, JsonSerializerOptions.Web, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"WireMock refused a mapping ({(int)response.StatusCode}): {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetGuid();
    }
}
