using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ApiLed.ServiceDefaults.Resilience;

/// <summary>Timeout, retry and circuit-breaker settings of the calls to one downstream API.</summary>
public sealed record HttpResilienceOptions
{
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(3);

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of transient faults inside the HTTP call (0 = none: the caller retries, e.g. a saga step).</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; init; } = 4;

    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; init; } = 0.8;

    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; init; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The one place that decides what a transient HTTP fault is and how calls to a downstream API are
/// retried: total timeout → retry (exponential, jittered, transient faults only) → circuit breaker →
/// per-attempt timeout. Retried POSTs are safe because every mutating call carries an Idempotency-Key.
/// </summary>
public static class HttpResilience
{
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or BrokenCircuitException } => true,
        { Exception: OperationCanceledException } => false,
        { Result: { } response } => IsTransient(response.StatusCode),
        _ => false,
    };

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    public static ResiliencePipeline<HttpResponseMessage> BuildPipeline(string name, HttpResilienceOptions options, ILogger logger)
    {
        var transient = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(r => IsTransient(r.StatusCode));

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = name }.AddTimeout(options.TotalTimeout);
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    logger.LogWarning("Retrying call to {Downstream} (attempt {Attempt}) after {Fault}",
                        name, args.AttemptNumber + 1,
                        args.Outcome.Exception?.GetType().Name ?? ((int?)args.Outcome.Result?.StatusCode)?.ToString());
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                StateProvider = CircuitStates.Track(name),
                OnOpened = args =>
                {
                    logger.LogError("Circuit to {Downstream} opened for {BreakDuration}", name, args.BreakDuration);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>Puts the downstream API's resilience pipeline in front of this typed client.</summary>
    public static IHttpClientBuilder AddResiliencePipeline(this IHttpClientBuilder builder, string name, HttpResilienceOptions options)
    {
        builder.Services.AddKeyedSingleton(name, (sp, _) =>
            BuildPipeline(name, options, sp.GetRequiredService<ILoggerFactory>().CreateLogger("ApiLed.Resilience")));
        builder.ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        return builder.AddHttpMessageHandler(sp =>
            new ResilienceHandler(sp.GetRequiredKeyedService<ResiliencePipeline<HttpResponseMessage>>(name)));
    }

    /// <summary>
    /// Spreads this client's calls over its base address and <paramref name="replicas"/> (more instances of the same
    /// service), moving on from an instance that refuses connections (see <see cref="ReplicaBalancingHandler"/>).
    /// Add it after <see cref="AddResiliencePipeline"/>, so that it sits inside the pipeline. No replicas: nothing is added.
    /// </summary>
    public static IHttpClientBuilder AddReplicaBalancing(this IHttpClientBuilder builder, Uri baseUrl, IReadOnlyList<Uri> replicas)
    {
        if (replicas.Count == 0)
        {
            return builder;
        }

        return builder.AddHttpMessageHandler(sp =>
            new ReplicaBalancingHandler([baseUrl, .. replicas], sp.GetRequiredService<TimeProvider>()));
    }
}
