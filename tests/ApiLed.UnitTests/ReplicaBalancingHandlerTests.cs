using System.Net;
using System.Net.Sockets;
using ApiLed.ServiceDefaults.Resilience;

namespace ApiLed.UnitTests;

/// <summary>
/// The handler that spreads a client's calls over a service's instances: in turn, moving on at once from an instance
/// that refuses the connection (a real refused TCP connection to a closed port of 127.0.0.1), leaving it out for a while.
/// </summary>
public sealed class ReplicaBalancingHandlerTests
{
    private static readonly Uri First = new("http://127.0.0.1:7001/");
    private static readonly Uri Second = new("http://127.0.0.1:7002/");
    private static readonly Uri Third = new("http://127.0.0.1:7003/");

    [Fact]
    public async Task Calls_go_to_each_instance_in_turn_with_the_path_and_query_kept()
    {
        var inner = new AnsweringHandler();
        using var client = Client([First, Second, Third], inner, new ManualClock(DateTimeOffset.UnixEpoch));

        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync($"api/v1/reservations/r{i}?x=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(["7001", "7002", "7003", "7001", "7002", "7003"], inner.Ports);
        Assert.All(inner.Uris.Select((u, i) => (u, i)), p => Assert.Equal($"/api/v1/reservations/r{p.i}?x=1", p.u.PathAndQuery));
    }

    [Fact]
    public async Task A_refused_connection_moves_the_same_call_to_the_next_instance_and_leaves_the_refusing_one_out_for_a_while()
    {
        var closed = ClosedPort();
        var refusing = new Uri($"http://127.0.0.1:{closed}/");
        var inner = new AnsweringHandler(refusedPort: closed);
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        using var client = Client([refusing, Second], inner, clock);

        using (var content = new StringContent("{\"orderId\":\"o-1\"}"))
        using (var response = await client.PostAsync("api/v1/charges", content))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([closed.ToString(), "7002"], inner.Ports);
        Assert.Equal("{\"orderId\":\"o-1\"}", inner.Bodies[^1]);

        // Left out: the next calls all go to the instance that answers, without trying the refusing one.
        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync("health")).Dispose();
        }

        Assert.Equal([closed.ToString(), "7002", "7002", "7002", "7002"], inner.Ports);

        // Once the while is over, it is tried again in its turn.
        clock.Advance(ReplicaBalancingHandler.OutFor + TimeSpan.FromMilliseconds(1));
        (await client.GetAsync("health")).Dispose();
        (await client.GetAsync("health")).Dispose();
        Assert.Contains(inner.Ports.Skip(5), p => p == closed.ToString());
    }

    [Fact]
    public async Task When_every_instance_refuses_the_call_fails_as_a_connection_error_for_the_caller_to_retry()
    {
        var closedA = ClosedPort();
        var closedB = ClosedPort();
        using var client = Client([new Uri($"http://127.0.0.1:{closedA}/"), new Uri($"http://127.0.0.1:{closedB}/")],
            new AnsweringHandler(refusedPort: -1), new ManualClock(DateTimeOffset.UnixEpoch));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("health"));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task A_failure_after_the_request_was_sent_is_not_moved_to_another_instance()
    {
        var inner = new AnsweringHandler { Answer = HttpStatusCode.ServiceUnavailable };
        using var client = Client([First, Second], inner, new ManualClock(DateTimeOffset.UnixEpoch));

        using var response = await client.PostAsync("api/v1/charges", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["7001"], inner.Ports);
    }

    private static HttpClient Client(Uri[] instances, HttpMessageHandler inner, TimeProvider clock) =>
        new(new ReplicaBalancingHandler(instances, clock) { InnerHandler = inner }) { BaseAddress = instances[0] };

    /// <summary>A port of 127.0.0.1 nothing listens on: a connection to it is refused.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Answers every call itself, except calls to <c>refusedPort</c> (-1: every port but 7001-7003), which it really
    /// sends over TCP, where the connection is refused.
    /// </summary>
    private sealed class AnsweringHandler(int refusedPort = 0) : HttpMessageHandler
    {
        private readonly SocketsHttpHandler network = new() { ConnectTimeout = TimeSpan.FromSeconds(5) };

        public List<string> Ports { get; } = [];
        public List<Uri> Uris { get; } = [];
        public List<string> Bodies { get; } = [];
        public HttpStatusCode Answer { get; init; } = HttpStatusCode.OK;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            Ports.Add(uri.Port.ToString());
            Uris.Add(uri);
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            if (uri.Port == refusedPort || (refusedPort == -1 && uri.Port is < 7001 or > 7003))
            {
                using var invoker = new HttpMessageInvoker(network, disposeHandler: false);
                return await invoker.SendAsync(request, cancellationToken);
            }

            return new HttpResponseMessage(Answer);
        }

        protected override void Dispose(bool disposing)
        {
            network.Dispose();
            base.Dispose(disposing);
        }
    }
}
