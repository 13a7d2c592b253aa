using System.Collections.Concurrent;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.SystemApis;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ApiLed.Sagas;

/// <summary>
/// The step-level policy of a flow step: a time budget for the whole step and retries, with exponential
/// backoff and jitter, of <see cref="StepOutcome.Faulted"/> outcomes only (a business rejection is final).
/// Per-call attempt timeouts and circuit breakers sit below, in each system API's HTTP pipeline.
/// </summary>
public sealed class StepPolicies
{
    private readonly ConcurrentDictionary<(TimeSpan, int, TimeSpan), ResiliencePipeline<StepOutcome>> pipelines = new();

    public async Task<(StepOutcome Outcome, int Attempts)> ExecuteAsync(TimeSpan timeout, RetryDefinition retry,
        Func<CancellationToken, Task<StepOutcome>> call, CancellationToken ct)
    {
        var pipeline = pipelines.GetOrAdd((timeout, retry.MaxAttempts, retry.BaseDelay), key => Build(key.Item1, key.Item2, key.Item3));
        var attempts = 0;
        try
        {
            var outcome = await pipeline.ExecuteAsync(async token =>
            {
                Interlocked.Increment(ref attempts);
                return await call(token);
            }, ct);
            return (outcome, attempts);
        }
        catch (TimeoutRejectedException)
        {
            return (new StepOutcome.Faulted($"no answer within the step's time budget of {timeout.TotalSeconds:0.#} s"), attempts);
        }
    }

    private static ResiliencePipeline<StepOutcome> Build(TimeSpan timeout, int maxAttempts, TimeSpan baseDelay)
    {
        var builder = new ResiliencePipelineBuilder<StepOutcome>().AddTimeout(timeout);
        if (maxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<StepOutcome>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is StepOutcome.Faulted),
                MaxRetryAttempts = maxAttempts - 1,
                Delay = baseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        return builder.Build();
    }
}
