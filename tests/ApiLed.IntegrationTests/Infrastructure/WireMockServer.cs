using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>Network faults WireMock can answer with instead of a response.</summary>
public enum WireMockFault
{
    /// <summary>Closes the connection with a TCP reset.</summary>
    ConnectionResetByPeer,

    /// <summary>Sends an empty response and closes the connection.</summary>
    EmptyResponse,

    /// <summary>Sends garbage, then closes the connection.</summary>
    RandomDataThenClose,

    /// <summary>Sends an OK status header, then garbage, then closes the connection.</summary>
    MalformedResponseChunk,
}

/// <summary>
/// The WireMock standalone server (the jar from the npm package <c>wiremock</c>, run by <c>java -jar</c>) as its own
/// process on 127.0.0.1, driven through its admin REST API. Put it in front of a real API with
/// <see cref="ProxyAllToAsync"/> and inject faults for some requests with the fault helpers; each helper's mappings
/// have priority 1, so they win over the catch-all proxy (priority 10). Start it with <see cref="StartAsync"/>.
/// </summary>
public sealed class WireMockServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ServiceProcess _process;
    private readonly HttpClient _admin;

    private readonly string? _ownedLogDirectory;

    private WireMockServer(ServiceProcess process, string? ownedLogDirectory)
    {
        _process = process;
        _ownedLogDirectory = ownedLogDirectory;
        _admin = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri(process.BaseUrl + "/__admin/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port => _process.Port;

    /// <summary><c>http://127.0.0.1:{Port}</c> (no trailing slash): give this to the client under test.</summary>
    public string BaseUrl => _process.BaseUrl;

    /// <summary>The WireMock process (its output, log file and pid).</summary>
    public ServiceProcess Process => _process;

    /// <summary>
    /// The jar: <c>APILED_WIREMOCK_JAR</c> when set, else the <c>*.jar</c> under
    /// <c>&lt;repo&gt;/tests/tools/node_modules/wiremock/</c> (installed by test.sh with <c>npm ci</c>).
    /// </summary>
    public static string JarPath()
    {
        if (System.Environment.GetEnvironmentVariable("APILED_WIREMOCK_JAR") is { Length: > 0 } fromEnv)
        {
            return File.Exists(fromEnv)
                ? fromEnv
                : throw new FileNotFoundException($"APILED_WIREMOCK_JAR points to {fromEnv}, which does not exist.", fromEnv);
        }

        var folder = Path.Combine(RepoPaths.Root, "tests", "tools", "node_modules", "wiremock");
        var jar = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.jar", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return jar ?? throw new FileNotFoundException(
            $"The WireMock jar was not found under {folder}: run ./test.sh, or npm ci --prefix tests/tools, or set APILED_WIREMOCK_JAR.");
    }

    /// <summary>
    /// Starts WireMock on a free port (or <paramref name="port"/>) and waits until its admin API answers.
    /// Its log goes to <paramref name="logDirectory"/> (default: a temp folder) as <c>&lt;name&gt;.log</c>.
    /// </summary>
    public static async Task<WireMockServer> StartAsync(
        string? logDirectory = null,
        string name = "wiremock",
        int? port = null,
        IReadOnlyList<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        var jar = JarPath();
        var java = JavaPath();
        string? owned = null;
        if (logDirectory is null)
        {
            // A temp folder of its own, deleted again on dispose.
            logDirectory = owned = Path.Combine(Path.GetTempPath(), "apiled-tests", "wiremock-" + Guid.NewGuid().ToString("N")[..8]);
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var p = port ?? FreePorts.Next();
            List<string> arguments =
            [
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", jar,
                "--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind-address", "127.0.0.1",
                "--disable-banner",
                .. extraArguments ?? [],
            ];
            var process = ServiceProcess.ForCommand(
                name, java, arguments, p, new Dictionary<string, string?>(), logDirectory, readyPath: "/__admin/mappings");
            try
            {
                await process.StartAsync(TimeSpan.FromSeconds(60), cancellationToken);
                return new WireMockServer(process, owned);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException(
                    $"Java could not be started ({java}): install a Java 17+ runtime (test.sh does: apt-get install default-jre-headless).", e);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException && port is null)
            {
                // Most likely the port was taken between FreePorts and the bind: try another one.
                last = e;
                await process.DisposeAsync();
            }
        }

        throw new InvalidOperationException("WireMock did not start.", last);
    }

    /// <summary>Adds a stub mapping (any object serialised as WireMock's JSON, or a JSON string); returns its id.</summary>
    public async Task<Guid> AddMappingAsync(object mappingJson, CancellationToken cancellationToken = default)
    {
        using var content = mappingJson switch
        {
            string text => new StringContent(text, Encoding.UTF8, "application/json"),
            JsonNode node => new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json"),
            _ => new StringContent(JsonSerializer.Serialize(mappingJson, mappingJson.GetType(), Json), Encoding.UTF8, "application/json"),
        };
        using var response = await _admin.PostAsync("mappings", content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created && !response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"WireMock refused the mapping ({(int)response.StatusCode}): {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("id", out var id) ? id.GetGuid() : Guid.Empty;
    }

    /// <summary>Removes one stub mapping.</summary>
    public async Task RemoveMappingAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await _admin.DeleteAsync($"mappings/{id}", cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A catch-all mapping (any method, any URL) that proxies to <paramref name="targetBaseUrl"/>.</summary>
    public Task<Guid> ProxyAllToAsync(string targetBaseUrl, int priority = 10, CancellationToken cancellationToken = default) =>
        AddMappingAsync(
            new
            {
                priority,
                request = new { method = "ANY", urlPattern = ".*" },
                response = new { proxyBaseUrl = TrimSlash(targetBaseUrl) },
            },
            cancellationToken);

    /// <summary>Removes all mappings, the request journal and the scenarios' state.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _admin.PostAsync("reset", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Puts every scenario back into state <c>Started</c>.</summary>
    public async Task ResetScenariosAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _admin.PostAsync("scenarios/reset", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The request journal (newest first), as WireMock's <c>requests</c> array entries.</summary>
    public async Task<IReadOnlyList<JsonElement>> RequestsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _admin.GetAsync("requests", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return [.. document.RootElement.GetProperty("requests").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>
    /// Received requests whose method is <paramref name="method"/> (or <c>ANY</c>) and whose path matches the regex
    /// <paramref name="urlPathPattern"/>.
    /// </summary>
    public async Task<int> CountRequestsAsync(string method, string urlPathPattern, CancellationToken cancellationToken = default)
    {
        using var response = await _admin.PostAsJsonAsync("requests/count", new { method, urlPathPattern }, Json, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"WireMock could not count requests ({(int)response.StatusCode}): {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("count").GetInt32();
    }

    /// <summary>
    /// The first <paramref name="failures"/> matching requests get <paramref name="status"/>; every later one is
    /// proxied to <paramref name="target"/>. Uses a scenario of its own (states <c>Started</c> → <c>fail-1</c> → …).
    /// Returns the scenario name.
    /// </summary>
    public async Task<string> FailThenProxyAsync(
        string method, string urlPathPattern, int failures, int status, string target, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failures);
        var scenario = "fail-then-proxy-" + Guid.NewGuid().ToString("N")[..12];
        for (var i = 0; i < failures; i++)
        {
            await AddMappingAsync(
                new
                {
                    priority = 1,
                    scenarioName = scenario,
                    requiredScenarioState = i == 0 ? "Started" : $"fail-{i}",
                    newScenarioState = $"fail-{i + 1}",
                    request = new { method, urlPathPattern },
                    response = FaultResponse(status),
                },
                cancellationToken);
        }

        await AddMappingAsync(
            new
            {
                priority = 1,
                scenarioName = scenario,
                requiredScenarioState = failures == 0 ? "Started" : $"fail-{failures}",
                request = new { method, urlPathPattern },
                response = new { proxyBaseUrl = TrimSlash(target) },
            },
            cancellationToken);
        return scenario;
    }

    /// <summary>Every matching request gets <paramref name="status"/> (with a small problem+json body).</summary>
    public Task<Guid> AlwaysFailAsync(string method, string urlPathPattern, int status, CancellationToken cancellationToken = default) =>
        AddMappingAsync(
            new { priority = 1, request = new { method, urlPathPattern }, response = FaultResponse(status) },
            cancellationToken);

    /// <summary>Every matching request is proxied to <paramref name="target"/> after a delay of <paramref name="delayMs"/> ms.</summary>
    public Task<Guid> DelayThenProxyAsync(
        string method, string urlPathPattern, int delayMs, string target, CancellationToken cancellationToken = default) =>
        AddMappingAsync(
            new
            {
                priority = 1,
                request = new { method, urlPathPattern },
                response = new { proxyBaseUrl = TrimSlash(target), fixedDelayMilliseconds = delayMs },
            },
            cancellationToken);

    /// <summary>Every matching request gets a network fault instead of a response.</summary>
    public Task<Guid> AlwaysFaultAsync(string method, string urlPathPattern, WireMockFault fault, CancellationToken cancellationToken = default) =>
        AddMappingAsync(
            new
            {
                priority = 1,
                request = new { method, urlPathPattern },
                response = new
                {
                    fault = fault switch
                    {
                        WireMockFault.ConnectionResetByPeer => "CONNECTION_RESET_BY_PEER",
                        WireMockFault.EmptyResponse => "EMPTY_RESPONSE",
                        WireMockFault.RandomDataThenClose => "RANDOM_DATA_THEN_CLOSE",
                        WireMockFault.MalformedResponseChunk => "MALFORMED_RESPONSE_CHUNK",
                        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
                    },
                },
            },
            cancellationToken);

    /// <summary>Stops the WireMock process (only that process).</summary>
    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _process.DisposeAsync();
        if (_ownedLogDirectory is not null)
        {
            try
            {
                Directory.Delete(_ownedLogDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static object FaultResponse(int status) => new
    {
        status,
        headers = new Dictionary<string, string> { ["Content-Type"] = "application/problem+json" },
        jsonBody = new { type = "about:blank", title = "Fault injected by WireMock", status },
    };

    private static string TrimSlash(string url) => url.TrimEnd('/');

    private static string JavaPath()
    {
        if (System.Environment.GetEnvironmentVariable("JAVA_HOME") is { Length: > 0 } home
            && File.Exists(Path.Combine(home, "bin", "java")))
        {
            return Path.Combine(home, "bin", "java");
        }

        return "java";
    }
}
