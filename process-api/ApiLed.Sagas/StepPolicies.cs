using System.Collections.Concurrent;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ApiLed.Sagas;

/// <summary>
/// The step-level policy of a flow step. While its system answers, the step has its time budget and its
/// attempts: <see cref="StepOutcome.Faulted"/> outcomes are retried with exponential backoff and jitter, a business
/// rejection is final. While its system is unavailable (no connection, circuit open, 503) the step does not spend
/// attempts: it waits, retrying every few seconds, for up to the patience, so a short outage delays orders instead
/// of failing them. Per-call attempt timeouts and circuit breakers sit below, in each system API's HTTP pipeline.
/// </summary>
public sealed class StepPolicies(TimeSpan patience, TimeProvider time)
{
    private static readonly ResiliencePropertyKey<StepAttempts> AttemptsKey = new("apiled.step-attempts");
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(TimeSpan, int, TimeSpan), ResiliencePipeline<StepOutcome>> pipelines = new();

    /// <summary>How long a step waits for an unavailable system before it gives up.</summary>
    public TimeSpan Patience => patience;

    public async Task<(StepOutcome Outcome, int Attempts)> ExecuteAsync(TimeSpan timeout, RetryDefinition retry,
        Func<CancellationToken, Task<StepOutcome>> call, CancellationToken ct)
    {
        var pipeline = pipelines.GetOrAdd((timeout, retry.MaxAttempts, retry.BaseDelay), key => Build(key.Item1, key.Item2, key.Item3));
        var attempts = new StepAttempts();
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(AttemptsKey, attempts);
        try
        {
            var outcome = await pipeline.ExecuteAsync(static async (ctx, state) =>
            {
                var (tracked, call) = state;
                tracked.Calls++;
                var result = await call(ctx.CancellationToken);
                tracked.Sent |= result is not StepOutcome.Faulted { NotSent: true };
                return result;
            }, context, (attempts, call));
            if (outcome is StepOutcome.Faulted faulted)
            {
                // Only when no call of the step can have reached the system is there nothing to undo.
                faulted = faulted with { NotSent = !attempts.Sent };
                outcome = faulted is { Unavailable: true } && attempts.UnavailableSince is { } since
                    ? faulted with { Reason = $"{faulted.Reason} (unavailable for {(time.GetUtcNow() - since).TotalSeconds:0} s, past the patience of {patience.TotalSeconds:0} s)" }
                    : faulted;
            }

            return (outcome, attempts.Calls);
        }
        catch (TimeoutRejectedException)
        {
            return (new StepOutcome.Faulted($"no answer within the step's time budget of {timeout.TotalSeconds:0.#} s"), attempts.Calls);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private ResiliencePipeline<StepOutcome> Build(TimeSpan timeout, int maxAttempts, TimeSpan baseDelay) =>
        new ResiliencePipelineBuilder<StepOutcome>()
            .AddTimeout(timeout + patience)
            .AddRetry(new RetryStrategyOptions<StepOutcome>
            {
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Context, args.Outcome.Result, maxAttempts)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.Context, args.AttemptNumber, baseDelay)),
            })
            .Build();

    private bool ShouldRetry(ResilienceContext context, StepOutcome? outcome, int maxAttempts)
    {
        var attempts = context.Properties.GetValue(AttemptsKey, new StepAttempts());
        switch (outcome)
        {
            case StepOutcome.Faulted { Unavailable: true }:
                attempts.UnavailableSince ??= time.GetUtcNow();
                return time.GetUtcNow() - attempts.UnavailableSince < patience;
            case StepOutcome.Faulted:
                attempts.UnavailableSince = null;
                return ++attempts.Faults < maxAttempts;
            default:
                return false;
        }
    }

    /// <summary>Exponential backoff with jitter from the step's base delay; never more than a few seconds apart.</summary>
    private static TimeSpan Backoff(ResilienceContext context, int attempt, TimeSpan baseDelay)
    {
        var attempts = context.Properties.GetValue(AttemptsKey, new StepAttempts());
        var exponent = Math.Min(attempts.UnavailableSince is null ? attempts.Faults - 1 : attempt, 10);
        var delay = Math.Min(LongestWait.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, exponent)));
        return TimeSpan.FromMilliseconds(delay * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    /// <summary>The calls made for one step execution and how they went.</summary>
    private sealed class StepAttempts
    {
        public int Calls { get; set; }

        /// <summary>Some call may have reached the system (anything but an open circuit or an unconfigured system).</summary>
        public bool Sent { get; set; }

        public int Faults { get; set; }

        public DateTimeOffset? UnavailableSince { get; set; }
    }
}
