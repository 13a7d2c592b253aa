using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiLed.IntegrationTests.Support;

/// <summary>
/// A partner's webhook endpoint: a real HTTP listener (Kestrel on 127.0.0.1, a free port) that records every request
/// exactly as received and answers the first <c>failFirst</c> of them with <c>failStatus</c>, the rest with 200.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>One request as it arrived: its headers and its raw body bytes.</summary>
    public sealed record Delivery(DateTimeOffset At, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
    }

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Delivery> deliveries = new();
    private int failuresLeft;

    private WebhookReceiver(int failFirst, HttpStatusCode failStatus)
    {
        failuresLeft = failFirst;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.MapPost("/hooks/orders", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var status = Interlocked.Decrement(ref failuresLeft) >= 0 ? (int)failStatus : StatusCodes.Status200OK;
            deliveries.Enqueue(new Delivery(DateTimeOffset.UtcNow,
                http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), buffer.ToArray(), status));
            return Results.StatusCode(status);
        });
    }

    /// <summary>The URL to give as an order's <c>callbackUrl</c>.</summary>
    public string CallbackUrl { get; private set; } = "";

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<Delivery> Deliveries => [.. deliveries];

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0, HttpStatusCode failStatus = HttpStatusCode.InternalServerError)
    {
        var receiver = new WebhookReceiver(failFirst, failStatus);
        await receiver.app.StartAsync();
        var address = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.CallbackUrl = address.TrimEnd('/') + "/hooks/orders";
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    public Task<IReadOnlyList<Delivery>> WaitForAsync(int count, TimeSpan timeout) =>
        Eventually.GetAsync(() => Task.FromResult(Deliveries), d => d.Count >= count, timeout, $"{count} webhook deliveries at {CallbackUrl}");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
