using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.LayerRunner;

namespace ApiLed.IntegrationTests;

/// <summary>One WireMock process shared by the harness tests (each test resets it first).</summary>
public sealed class HarnessWireMockFixture : IAsyncLifetime
{
    private WireMockServer? _server;

    public WireMockServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await WireMockServer.StartAsync(name: "wiremock-harness");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Checks the test harness itself against the real parts: the WireMock jar, RabbitMQ, real processes.</summary>
[Trait("Category", "Harness")]
public sealed class HarnessTests(HarnessWireMockFixture wireMock) : IClassFixture<HarnessWireMockFixture>
{
    private WireMockServer Mock => wireMock.Server;

    [Fact]
    public void Repo_paths_find_the_solution_and_the_build_configuration()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "ApiLed.sln")));
        Assert.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}{RepoPaths.Configuration}{Path.DirectorySeparatorChar}", AppContext.BaseDirectory);
        var expected = Path.Combine(RepoPaths.Root, "gateway", "ApiLed.Gateway", "bin", RepoPaths.Configuration, "net10.0", "ApiLed.Gateway.dll");
        if (File.Exists(expected))
        {
            Assert.Equal(expected, RepoPaths.ServiceDll(RepoPaths.Services.Gateway));
        }
        else
        {
            var e = Assert.Throws<FileNotFoundException>(() => RepoPaths.ServiceDll(RepoPaths.Services.Gateway));
            Assert.Contains("dotnet build ApiLed.sln", e.Message);
        }
    }

    [Fact]
    public void Free_ports_are_distinct_and_bindable()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => FreePorts.Next()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, ports[0]);
        listener.Start();
        listener.Stop();
    }

    [Fact]
    public void A_pool_given_a_range_hands_its_free_ports_in_turn_and_skips_one_that_is_held()
    {
        var range = new PortRange(23400, 23431);
        using var held = new System.Net.Sockets.TcpListener(IPAddress.Loopback, range.First + 1);
        held.Start();
        var pool = new PortPool(range);

        var ports = new List<int>();
        void TakeEveryPort()
        {
            while (ports.Count <= range.Last - range.First + 1)
            {
                ports.Add(pool.Next());
            }
        }

        var exhausted = Assert.Throws<InvalidOperationException>(TakeEveryPort);

        Assert.Contains(range.ToString(), exhausted.Message);
        Assert.NotEmpty(ports);
        Assert.All(ports, p => Assert.InRange(p, range.First, range.Last));
        Assert.DoesNotContain(range.First + 1, ports);
        Assert.Equal(ports.Order(), ports); // in turn, each once
        Assert.Equal(ports.Count, ports.Distinct().Count());
        held.Stop();
    }

    [Theory]
    [InlineData("21000")]
    [InlineData("100-1000")]
    [InlineData("21000-21010")]
    [InlineData("22000-21000")]
    [InlineData("21000-70000")]
    public void A_port_range_that_is_not_one_is_refused_with_a_message_naming_the_option(string text)
    {
        var refused = Assert.Throws<ArgumentException>(() => PortRange.Parse("--ports", text));
        Assert.StartsWith("--ports takes a range", refused.Message);
        Assert.Contains(text, refused.Message);
    }

    [Fact]
    public async Task WireMock_answers_a_stubbed_mapping_and_counts_requests()
    {
        await Mock.ResetAsync();
        await Mock.AddMappingAsync(new
        {
            request = new { method = "GET", urlPath = "/hello" },
            response = new { status = 200, jsonBody = new { greeting = "hi" }, headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } },
        });
        using var http = new HttpClient { BaseAddress = new Uri(Mock.BaseUrl) };

        using var response = await http.GetAsync("/hello?x=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("hi", json.RootElement.GetProperty("greeting").GetString());

        using var missing = await http.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Assert.Equal(1, await Mock.CountRequestsAsync("GET", "/hello"));
        Assert.Equal(2, await Mock.CountRequestsAsync("ANY", "/.*"));
        Assert.Equal(2, (await Mock.RequestsAsync()).Count);
    }

    [Fact]
    public async Task FailThenProxy_fails_the_given_number_of_times_then_proxies_to_the_real_listener()
    {
        await Mock.ResetAsync();
        await using var real = TinyHttpServer.Start();
        await Mock.ProxyAllToAsync(real.BaseUrl);
        await Mock.FailThenProxyAsync("POST", "/api/v1/charges.*", failures: 2, status: 503, target: real.BaseUrl);
        using var http = new HttpClient { BaseAddress = new Uri(Mock.BaseUrl) };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsync("/api/v1/charges/abc", new StringContent("{}", Encoding.UTF8, "application/json"));
            statuses.Add(response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                Assert.Equal("POST /api/v1/charges/abc", await response.Content.ReadAsStringAsync());
            }
            else
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(2, real.Hits);

        // Requests that the fault does not match go through the catch-all proxy.
        using var other = await http.GetAsync("/api/v1/other");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("GET /api/v1/other", await other.Content.ReadAsStringAsync());
        Assert.Equal(4, await Mock.CountRequestsAsync("POST", "/api/v1/charges/.*"));
    }

    [Fact]
    public async Task AlwaysFail_delay_and_network_faults_apply_to_matching_requests_only()
    {
        await Mock.ResetAsync();
        await using var real = TinyHttpServer.Start();
        await Mock.ProxyAllToAsync(real.BaseUrl);
        await Mock.AlwaysFailAsync("ANY", "/broken/.*", 500);
        await Mock.DelayThenProxyAsync("GET", "/slow", 700, real.BaseUrl);
        await Mock.AlwaysFaultAsync("GET", "/reset", WireMockFault.ConnectionResetByPeer);
        using var http = new HttpClient { BaseAddress = new Uri(Mock.BaseUrl) };

        for (var i = 0; i < 3; i++)
        {
            using var broken = await http.PutAsync("/broken/x", new StringContent(""));
            Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        using var slow = await http.GetAsync("/slow");
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= 650, $"the delayed answer came after {clock.ElapsedMilliseconds} ms");
        Assert.Equal("GET /slow", await slow.Content.ReadAsStringAsync());

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/reset"));

        using var fine = await http.GetAsync("/fine");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        Assert.Equal(2, real.Hits);
    }

    [Fact]
    public async Task Vhost_is_created_and_a_published_message_is_read_back_then_the_vhost_is_deleted()
    {
        string vhost;
        await using (var broker = await RabbitMqTestBroker.CreateAsync())
        {
            vhost = broker.VirtualHost;
            Assert.StartsWith("apiled-test-", vhost);
            Assert.EndsWith("/" + Uri.EscapeDataString(vhost), broker.AmqpUrl);
            Assert.Contains(vhost, await RabbitMqTestBroker.RabbitMqCtlAsync(["list_vhosts", "--quiet"]));

            await broker.DeclareExchangeAsync("harness.events");
            await broker.DeclareQueueAsync("harness.queue", bindToExchange: "harness.events", routingKey: "order.#");
            Assert.Equal(0u, await broker.MessageCountAsync("harness.queue"));

            await broker.PublishAsync(
                "harness.events",
                "order.completed",
                messageId: "m-1",
                type: "order.completed.v1",
                bodyJson: """{"orderId":"o-1","total":12.5}""",
                headers: new Dictionary<string, object?> { ["correlation-id"] = "c-1", ["attempt"] = 2 });
            await broker.PublishAsync("", "harness.queue", "m-2", "direct.v1", """{"n":2}""");

            Assert.Equal(2u, await broker.MessageCountAsync("harness.queue"));
            var messages = await broker.GetMessagesAsync("harness.queue");
            Assert.Equal(2, messages.Count);
            var first = messages[0];
            Assert.Equal("m-1", first.MessageId);
            Assert.Equal("order.completed.v1", first.Type);
            Assert.True(first.Persistent);
            Assert.Equal("application/json", first.ContentType);
            Assert.Equal("harness.events", first.Exchange);
            Assert.Equal("order.completed", first.RoutingKey);
            Assert.Equal("c-1", first.Header("correlation-id"));
            Assert.Equal(2, first.Headers["attempt"]);
            Assert.Equal("o-1", first.Json().GetProperty("orderId").GetString());
            Assert.Equal("m-2", messages[1].MessageId);
            Assert.Equal(0u, await broker.MessageCountAsync("harness.queue"));

            // Publish in the background and wait for it.
            var later = Task.Run(async () =>
            {
                await Task.Delay(300);
                await broker.PublishAsync("", "harness.queue", "m-3", "direct.v1", "{}");
            });
            var waited = await broker.WaitForMessagesAsync("harness.queue", 1, TimeSpan.FromSeconds(10));
            await later;
            Assert.Equal("m-3", Assert.Single(waited).MessageId);
        }

        Assert.DoesNotContain(vhost, await RabbitMqTestBroker.RabbitMqCtlAsync(["list_vhosts", "--quiet"]));
    }

    [Fact]
    public async Task Broker_app_can_be_stopped_and_started_again_and_durable_queues_survive()
    {
        await using var broker = await RabbitMqTestBroker.CreateAsync();
        await broker.DeclareQueueAsync("harness.outage");
        await broker.PublishAsync("", "harness.outage", "before", "t.v1", "{}");

        await broker.StopBrokerAppAsync();
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => broker.MessageCountAsync("harness.outage"));
        }
        finally
        {
            await broker.StartBrokerAppAsync();
        }

        await broker.PublishAsync("", "harness.outage", "after", "t.v1", "{}");
        var messages = await broker.GetMessagesAsync("harness.outage");
        Assert.Equal(["before", "after"], messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task Service_process_waits_for_readiness_captures_output_and_survives_kill_and_restart()
    {
        // A real process that answers HTTP: the WireMock jar itself, ready when its admin API answers.
        var logs = Path.Combine(Path.GetTempPath(), "apiled-tests", "harness-" + Guid.NewGuid().ToString("N")[..8]);
        var port = FreePorts.Next();
        await using var service = ServiceProcess.ForCommand(
            "fake-service",
            "java",
            ["-jar", WireMockServer.JarPath(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1", "--verbose"],
            port,
            new Dictionary<string, string?> { ["APILED_MARKER"] = "x" },
            logs,
            readyPath: "/__admin/mappings");

        Assert.Equal($"http://127.0.0.1:{port}", service.BaseUrl);
        Assert.Equal("x", service.Environment["APILED_MARKER"]);
        Assert.Equal($"http://127.0.0.1:{port}", service.Environment["ASPNETCORE_URLS"]);
        await service.StartAsync();
        var firstPid = service.ProcessId;
        Assert.True(service.IsRunning);
        using (var http = service.CreateClient())
        {
            using var response = await http.GetAsync("__admin/mappings");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains(service.OutputLines, l => l.Contains("port", StringComparison.OrdinalIgnoreCase));
        Assert.True(File.Exists(service.LogPath));

        service.Kill();
        await WaitUntilAsync(() => !service.IsRunning, TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, service.ExitCode);

        await service.RestartAsync();
        Assert.True(service.IsRunning);
        Assert.NotEqual(firstPid, service.ProcessId);
        Assert.Equal(port, service.Port);

        // SIGTERM: the JVM shuts down on its own (exit code 143), well before the kill fallback.
        var clock = Stopwatch.StartNew();
        await service.StopGracefullyAsync(TimeSpan.FromSeconds(20));
        Assert.False(service.IsRunning);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"graceful stop took {clock.Elapsed}");
        Assert.Equal(143, service.ExitCode);
        Assert.Contains("start #2", await File.ReadAllTextAsync(service.LogPath));
        Directory.Delete(logs, recursive: true);
    }

    [Fact]
    public async Task Service_process_that_exits_early_fails_readiness_with_its_output()
    {
        var logs = Path.Combine(Path.GetTempPath(), "apiled-tests", "harness-" + Guid.NewGuid().ToString("N")[..8]);
        var port = FreePorts.Next();
        await using var service = ServiceProcess.ForCommand(
            "broken-service", "java", ["-jar", "/nonexistent/none.jar"], port, new Dictionary<string, string?>(), logs);
        service.Start();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => service.WaitReadyAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("broken-service exited", e.Message);
        Assert.Contains("none.jar", e.Message);
        Directory.Delete(logs, recursive: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, "condition not met in time");
            await Task.Delay(50);
        }
    }

    /// <summary>A tiny real HTTP server on a free port: answers 200 with "METHOD /path" and counts requests.</summary>
    private sealed class TinyHttpServer : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;
        private int _hits;

        private TinyHttpServer(HttpListener listener, string baseUrl)
        {
            _listener = listener;
            BaseUrl = baseUrl;
            _loop = Task.Run(LoopAsync);
        }

        public string BaseUrl { get; }

        public int Hits => Volatile.Read(ref _hits);

        public static TinyHttpServer Start()
        {
            for (var attempt = 0; ; attempt++)
            {
                var baseUrl = $"http://127.0.0.1:{FreePorts.Next()}";
                var listener = new HttpListener();
                listener.Prefixes.Add(baseUrl + "/");
                try
                {
                    listener.Start();
                    return new TinyHttpServer(listener, baseUrl);
                }
                catch (HttpListenerException) when (attempt < 3)
                {
                    listener.Close();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                await _loop;
            }
            catch (Exception)
            {
                // the loop ends with the listener
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                Interlocked.Increment(ref _hits);
                var body = Encoding.UTF8.GetBytes($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath}");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "text/plain";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
    }
}
