using System.Globalization;
using ApiLed.Contracts;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// The live view's figures for each mode: the rates now, drawn from the process API's saga counters (its metrics), and
/// the last minutes' history, counted from the saga store (so it is there at once, and across restarts).
/// </summary>
public static class StatsApi
{
    /// <summary>The response header naming the process API instance whose counters an answer holds.</summary>
    public const string InstanceHeader = "X-ApiLed-Instance";

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/stats/minutes", async Task<IResult> (int? minutes, SagaStore store, TimeProvider time, CancellationToken ct) =>
            {
                if (minutes is not null and (< 1 or > 1440))
                {
                    return new FieldErrors().Add("minutes", "1 to 1440 minutes.").ToResult();
                }

                var now = time.GetUtcNow();
                var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1 - (minutes ?? 30));
                var rows = await store.PerMinuteAsync(first, ct);
                var stats = rows
                    .GroupBy(r => (r.Minute, r.Mode))
                    .Select(g => new MinuteStats(
                        DateTimeOffset.ParseExact(g.Key.Minute, "yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                        g.Key.Mode,
                        Count(g, "started"), Count(g, SagaStatuses.Completed), Count(g, SagaStatuses.Failed), Count(g, SagaStatuses.Cancelled),
                        Count(g, SagaStatuses.NeedsAttention)))
                    .OrderBy(s => s.Minute).ThenBy(s => s.Mode, StringComparer.Ordinal)
                    .ToList();
                return TypedResults.Ok(stats);
            })
            .WithTags("Stats")
            .WithSummary("Sagas started, completed, failed, cancelled and parked per minute for each mode over the last minutes (default 30), from the saga store.")
            .Produces<List<MinuteStats>>()
            .ProducesValidationProblem();

        app.MapGet("/api/v1/stats/metrics", (PrometheusMetrics metrics, SagaLeases leases, HttpResponse response) =>
            {
                // Each instance counts its own sagas: the console tells the instances' counters apart by this header.
                response.Headers[InstanceHeader] = leases.Owner;
                return metrics.ToResult();
            })
            .WithTags("Stats")
            .WithSummary("This process API instance's metrics (its GET /metrics, Prometheus text; the instance in X-ApiLed-Instance), for operators through the gateway: the console's live rates are drawn from every instance's saga counters.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return app;
    }

    private static int Count(IEnumerable<(string Minute, string Mode, string What, int Count)> rows, string what) =>
        rows.Where(r => r.What == what).Sum(r => r.Count);
}
