using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// When a choreographed saga counts as stalled: only on evidence. The participant it waits for must have had its
/// event in hand (its queue was seen with nothing ready since the saga last changed) for longer than the step's
/// budget, or have had no consumer for longer than the patience; and the tracker must have been seen caught up
/// after that, so a reply only waiting in the tracker's queue is not missed. A saga that only lacks its outcome
/// event is stalled once the tracker caught up a grace period after its last step. Anything else is waiting.
/// </summary>
public static class ChoreographyStallRule
{
    public static StallVerdict Evaluate(SagaState saga, DateTimeOffset now, QueueObservations queues, SagaOptions options)
    {
        var since = saga.UpdatedAt;
        var action = SagaTransitions.Next(saga);
        if (action is SagaAction.Finish)
        {
            return CaughtUpAfter(queues, since + options.StallGrace, now) is { } seen
                ? new StallVerdict.Stalled(null, $"every step settled, but no participant published the outcome; the tracker caught up at {seen:O}")
                : new StallVerdict.Waiting(null, null, "the saga's outcome event");
        }

        var (step, budget) = action switch
        {
            SagaAction.Execute e => (e.Step.Name, e.Definition.Timeout),
            SagaAction.Compensate c => (c.Step.Name, options.Compensation.Timeout),
            _ => ((string?)null, TimeSpan.Zero),
        };
        if (step is null || action.System is not { } system)
        {
            return new StallVerdict.Waiting(null, null, "nothing");
        }

        var queue = ChoreographyQueues.For(system);
        var delivered = queues.FirstDrainedAtOrAfter(queue, since);
        var silent = queues.NoConsumerSince(queue);
        var deadline = delivered is not null
            ? delivered.Value + budget + options.Patience + options.StallGrace
            : silent is not null
                ? Later(silent.Value, since) + options.Patience + options.StallGrace
                : (DateTimeOffset?)null;
        var what = action is SagaAction.Execute ? $"{system} to run {step}" : $"{system} to compensate {step}";
        if (deadline is null || now < deadline || CaughtUpAfter(queues, deadline.Value, now) is null)
        {
            return new StallVerdict.Waiting(step, system, what);
        }

        var reason = delivered is null
            ? $"no participant of {system} has consumed {queue} since {silent:O}, longer than the patience of {options.Patience.TotalSeconds:0} s"
            : $"the {system} participant had the event for longer than the step's budget and the patience ({(budget + options.Patience).TotalSeconds:0} s) and published nothing";
        return new StallVerdict.Stalled(step, reason);
    }

    private static DateTimeOffset? CaughtUpAfter(QueueObservations queues, DateTimeOffset after, DateTimeOffset now) =>
        now < after ? null : queues.FirstDrainedAtOrAfter(SagaTracker.Queue.Name, after);

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
