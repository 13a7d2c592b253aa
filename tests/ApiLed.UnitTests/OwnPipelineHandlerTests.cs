using System.Net;
using System.Net.Http.Json;
using ApiLed.ServiceDefaults.InProcess;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ApiLed.UnitTests;

/// <summary>
/// A client with <see cref="OwnPipelineExtensions.UseOwnPipeline"/> reaches the service it runs in through its request
/// pipeline, without a socket: the request arrives whole (method, path, query, headers, body), the answer comes back
/// whole (status, headers set before and while the response starts, body), the request's services are disposed,
/// cancelling the call aborts the request, and an exception nobody handled is a 500, as over Kestrel.
/// </summary>
public sealed class OwnPipelineHandlerTests : IAsyncLifetime
{
    private WebApplication app = null!;
    private HttpClient client = null!;
    private readonly TaskCompletionSource<bool> aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddScoped<ScopedProbe>();
        builder.Services.AddSingleton(new ProbeLog());
        builder.Services.AddHttpClient("self", c => c.BaseAddress = new Uri("http://127.0.0.1:5999")).UseOwnPipeline();
        app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers["X-Started"] = "yes";
                return Task.CompletedTask;
            });
            await next(context);
        });
        app.MapPost("/items/{name}", async (string name, string? tag, ItemBody body, HttpContext context, ScopedProbe probe) =>
        {
            context.RequestServices.GetRequiredService<ProbeLog>().Seen.Add(probe);
            return Results.Created($"/items/{name}", new
            {
                name,
                tag,
                body.Quantity,
                key = context.Request.Headers["Idempotency-Key"].ToString(),
                connection = context.Connection.Id,
                contentType = context.Request.ContentType,
            });
        });
        app.MapGet("/slow", async (HttpContext context) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.TrySetResult(true);
                throw;
            }

            return Results.Ok();
        });
        app.MapGet("/broken", string () => throw new InvalidOperationException("broken on purpose"));
        await app.StartAsync();
        client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("self");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task A_post_arrives_whole_and_its_answer_comes_back_whole_without_a_socket()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/items/blue%20mug%2Fsaucer?tag=gift")
        {
            Content = JsonContent.Create(new ItemBody(3)),
        };
        request.Headers.Add("Idempotency-Key", "order-1/reserve");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/items/blue mug%2Fsaucer", response.Headers.NonValidated["Location"].ToString()); // as the endpoint wrote it
        Assert.Equal("yes", Assert.Single(response.Headers.GetValues("X-Started")));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = await response.Content.ReadFromJsonAsync<ItemAnswer>();
        Assert.Equal(new ItemAnswer("blue mug%2Fsaucer", "gift", 3, "order-1/reserve", "in-process", "application/json; charset=utf-8"), answer);
    }

    [Fact]
    public async Task The_request_services_are_disposed_once_the_answer_is_back()
    {
        using var response = await client.PostAsJsonAsync("/items/cup", new ItemBody(1));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var probe = Assert.Single(app.Services.GetRequiredService<ProbeLog>().Seen);
        Assert.True(probe.Disposed);
    }

    [Fact]
    public async Task A_bad_body_gets_the_same_400_as_over_the_network()
    {
        using var response = await client.PostAsync("/items/cup", new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Cancelling_the_call_aborts_the_request()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("/slow", cancel.Token));
        Assert.True(await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_traced_call_records_a_client_span_under_the_callers_span()
    {
        var recorded = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name is "ApiLed" or "test",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) =>
                System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (recorded) { recorded.Add(activity); } },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var source = new System.Diagnostics.ActivitySource("test");

        using (var caller = source.StartActivity("step"))
        {
            using var response = await client.PostAsJsonAsync("/items/cup", new ItemBody(1));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // Only this trace's spans: other tests may record spans of their own meanwhile.
        var step = Assert.Single(recorded, a => a.Source.Name == "test" && a.OperationName == "step");
        var span = Assert.Single(recorded, a => a.TraceId == step.TraceId && a.Source.Name == "ApiLed" && a.Kind == System.Diagnostics.ActivityKind.Client);
        Assert.Equal(step.SpanId, span.ParentSpanId);
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal(201, span.GetTagItem("http.response.status_code"));
        Assert.Equal("http://127.0.0.1:5999/items/cup", span.GetTagItem("url.full"));
    }

    [Fact]
    public async Task An_exception_nobody_handled_is_a_500()
    {
        using var response = await client.GetAsync("/broken");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Before_the_application_is_built_a_request_is_refused_as_a_connection_would_be()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("early", c => c.BaseAddress = new Uri("http://127.0.0.1:5999")).UseOwnPipeline();
        services.AddSingleton<IHttpContextFactory>(app.Services.GetRequiredService<IHttpContextFactory>());
        await using var provider = services.BuildServiceProvider();
        using var early = provider.GetRequiredService<IHttpClientFactory>().CreateClient("early");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => early.GetAsync("/broken"));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError); // as a service not listening yet: the caller waits
        Assert.Contains("not built yet", error.Message);
    }

    public sealed record ItemBody(int Quantity);

    public sealed record ItemAnswer(string Name, string? Tag, int Quantity, string Key, string Connection, string? ContentType);

    public sealed class ProbeLog
    {
        public System.Collections.Concurrent.ConcurrentBag<ScopedProbe> Seen { get; } = [];
    }

    public sealed class ScopedProbe : IDisposable
    {

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
