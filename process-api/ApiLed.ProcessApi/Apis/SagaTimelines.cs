using System.Text.RegularExpressions;
using ApiLed.Contracts;
using ApiLed.Sagas;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Reads a saga's history as a timeline in one vocabulary for every mode: the orchestrator's transitions and the
/// events the tracker mirrored from choreography's participants both become <c>step-succeeded</c>, <c>step-failed</c>,
/// <c>step-compensated</c>, … Each step or undo is timed from its start when it was recorded (orchestration), else
/// from the moment before it (choreography hands the saga on with each event). Also says what an operator can do next.
/// </summary>
public static partial class SagaTimelines
{
    public static SagaTimeline Build(SagaState saga, IReadOnlyList<SagaHistoryEntry> history)
    {
        var entries = new List<SagaTimelineEntry>();
        var started = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset? previous = null;
        foreach (var line in history)
        {
            var (kind, what) = Classify(saga, line);
            var key = $"{kind}/{line.Step}";
            double? duration = null;
            if (what is "step-started" or "step-resumed" or "compensation-started" or "compensation-resumed")
            {
                started[key] = line.At;
            }
            else if (line.Step is not null && kind is "step" or "compensation")
            {
                duration = started.Remove(key, out var from) ? (line.At - from).TotalMilliseconds
                    : previous is { } before && line.Kind.StartsWith("event ", StringComparison.Ordinal) ? (line.At - before).TotalMilliseconds : null;
            }

            entries.Add(new SagaTimelineEntry(line.At, kind, what, line.Step, line.Detail, duration));
            if (line.Detail is { } detail && CallsMade().Match(detail) is { Success: true } calls && int.Parse(calls.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1)
            {
                entries.Add(new SagaTimelineEntry(line.At, "retry", "retried", line.Step, $"{calls.Groups[1].Value} calls before this outcome", null));
            }

            previous = line.At;
        }

        return new SagaTimeline(saga.OrderId, saga.Flow, saga.Definition.Mode, saga.Status, saga.FailedStep, saga.FailureReason, saga.CorrelationId, saga.TraceId, NextAction(saga),
            [.. saga.Steps.Select(s =>
            {
                var definition = saga.DefinitionOf(s);
                return new SagaStepDetail(s.Name, definition.Operation, definition.Compensation, s.Status, s.Attempts, s.Error, s.Result);
            })],
            entries);
    }

    /// <summary>What an operator can do with a parked saga, in words; null for any other.</summary>
    public static string? NextAction(SagaState saga)
    {
        if (saga.Status != SagaStatuses.NeedsAttention)
        {
            return null;
        }

        var stuck = string.Join(", ", saga.Steps.Where(s => s.Status == StepStatuses.CompensationFailed).Select(s => s.Name));
        return SagaTransitions.WhyNotRedrivable(saga) is null
            ? $"Fix what made '{saga.FailedStep}' fail ({saga.FailureReason}), then redrive it to go on with the order; or retry the undo of {stuck} to end it failed, or cancel to end it cancelled."
            : $"The undo of {stuck} failed: fix its cause, then retry the compensation (ends failed) or cancel (ends cancelled).";
    }

    private static (string Kind, string What) Classify(SagaState saga, SagaHistoryEntry line)
    {
        if (line.Kind.StartsWith("event ", StringComparison.Ordinal))
        {
            var routingKey = line.Kind["event ".Length..];
            var step = saga.Definition.Steps.FirstOrDefault(s => s.Name == line.Step);
            return step switch
            {
                not null when routingKey == step.Events.Succeeded => ("step", "step-succeeded"),
                not null when routingKey == step.Events.Failed => ("step", "step-failed"),
                not null when routingKey == step.Events.Compensated => ("compensation", "step-compensated"),
                _ when routingKey.StartsWith("order.", StringComparison.Ordinal) => ("saga", "saga-" + routingKey["order.".Length..]),
                _ => ("step", routingKey),
            };
        }

        var kind = line.Kind switch
        {
            "step-compensated" or "compensation-started" or "compensation-resumed" => "compensation",
            _ when line.Kind.StartsWith("step-", StringComparison.Ordinal) => "step",
            _ when line.Kind.StartsWith("wait", StringComparison.Ordinal) => "wait",
            _ when line.Kind.StartsWith("approval-", StringComparison.Ordinal) => "approval",
            _ when line.Kind.StartsWith("callback-", StringComparison.Ordinal) => "callback",
            _ when line.Kind.StartsWith("operator-", StringComparison.Ordinal) => "operator",
            _ => "saga",
        };
        var what = line.Kind is "step-faulted" or "step-rejected" ? "step-failed" : line.Kind;
        return (kind, what);
    }

    [GeneratedRegex(@"after (\d+) call")]
    private static partial Regex CallsMade();
}
