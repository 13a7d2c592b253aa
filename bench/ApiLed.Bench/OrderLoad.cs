using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace ApiLed.Bench;

/// <summary>
/// Places orders through the gateway as partners would, with at most <c>concurrency</c> requests in flight, and
/// records how long each 202 took. Every order of a run has the Idempotency-Key <c>{run}-{i}</c>.
/// </summary>
public sealed class OrderLoad(HttpClient gateway, string sku)
{
    /// <param name="OrderIds">The accepted orders' ids (from their <c>Location</c>).</param>
    public sealed record Result(int Accepted, int Refused, TimeSpan Elapsed, IReadOnlyList<double> AcceptMs, IReadOnlyList<string> OrderIds);

    /// <param name="rate">Orders per second to offer at most (open loop: order i is sent no earlier than i / rate s after the
    /// start); null sends each as soon as a slot is free.</param>
    public async Task<Result> PlaceAsync(string run, int orders, int concurrency, CancellationToken ct, double? rate = null)
    {
        var acceptMs = new double[orders];
        var orderIds = new string?[orders];
        var accepted = 0;
        var refused = 0;
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(concurrency);
        var tasks = Enumerable.Range(0, orders).Select(async i =>
        {
            if (rate is { } perSecond && TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait, ct);
            }

            await slots.WaitAsync(ct);
            try
            {
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders")
                {
                    Content = JsonContent.Create(new
                    {
                        customerId = "bench",
                        lines = new[] { new { sku, quantity = 1 } },
                        paymentReference = "card-ok-4242",
                        shipTo = new { name = "Bench", line1 = "1 Load St", city = "Berlin", postalCode = "10115", country = "DE" },
                    }),
                };
                request.Headers.Add("Idempotency-Key", $"{run}-{i:D6}");
                using var response = await gateway.SendAsync(request, ct);
                acceptMs[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                    orderIds[i] = response.Headers.Location?.OriginalString.Split('/')[^1];
                }
                else
                {
                    Interlocked.Increment(ref refused);
                    acceptMs[i] = double.NaN;
                }
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(tasks);
        return new Result(accepted, refused, clock.Elapsed, [.. acceptMs.Where(ms => !double.IsNaN(ms))], [.. orderIds.OfType<string>()]);
    }
}
