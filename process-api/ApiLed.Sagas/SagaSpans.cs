using System.Diagnostics;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.Sagas;

/// <summary>
/// Keeps an order one trace however often its saga is resumed: work on a saga that starts outside the order's trace
/// (the recovery scan after a restart or a timer, an operator's action, a callback) gets a span parented to where the
/// saga started, linked to what started the work, so its calls and the events it publishes join the order's trace.
/// A run is an activity even when nothing listens, so its log lines carry trace and span ids.
/// </summary>
public static class SagaSpans
{
    /// <summary>The span of one run of <paramref name="saga"/>: in the order's trace, whatever started it.</summary>
    public static Activity StartRun(SagaState saga)
    {
        var name = "saga " + saga.Flow;
        var activity = Join(saga, name) ?? ApiLedTelemetry.Source.StartActivity(name) ?? Bare(name, default);
        activity.SetTag("apiled.order_id", saga.OrderId);
        return activity;
    }

    /// <summary>A span in the order's trace when the current one is elsewhere (or there is none); null when already in it.</summary>
    public static Activity? Join(SagaState saga, string name)
    {
        var origin = MessageEnvelope.ParentFrom(saga.TraceParent);
        var current = Activity.Current;
        if (origin == default || current?.TraceId == origin.TraceId)
        {
            return null;
        }

        return ApiLedTelemetry.Source.StartActivity(name, ActivityKind.Internal, origin, links: current is null ? null : [new ActivityLink(current.Context)])
               ?? Bare(name, origin);
    }

    private static Activity Bare(string name, ActivityContext parent)
    {
        var activity = new Activity(name);
        if (parent != default)
        {
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
        }

        return activity.Start();
    }
}
