using System.Diagnostics;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.Messaging;

/// <summary>
/// The spans of ApiLed's AMQP work, named and tagged by OpenTelemetry's messaging conventions: <c>publish {exchange}</c>
/// (a producer span, child of whatever published) and <c>process {queue}</c> (a consumer span, child of the publish
/// through the <c>traceparent</c>/<c>tracestate</c> headers), so one order is one trace across RabbitMQ. A delivery is
/// handled inside an activity even when nothing listens to the source: its trace and span ids still reach the log
/// lines written while handling it.
/// </summary>
public static class MessagingSpans
{
    public const string System = "rabbitmq";

    public static Activity? StartPublish(BrokerMessage message)
    {
        var activity = ApiLedTelemetry.Source.StartActivity("publish " + message.Exchange, ActivityKind.Producer,
            MessageEnvelope.ParentFrom(message.TraceParent, message.TraceState));
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", System);
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "publish");
            activity.SetTag("messaging.destination.name", message.Exchange);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", message.RoutingKey);
            activity.SetTag("messaging.message.id", message.MessageId);
            activity.SetTag("messaging.message.conversation_id", message.CorrelationId);
            activity.SetTag("messaging.message.body.size", message.Body.Length);
        }

        return activity;
    }

    public static Activity StartProcess(string queue, string exchange, IncomingMessage message, string? traceParent, string? traceState)
    {
        var name = "process " + queue;
        var parent = MessageEnvelope.ParentFrom(traceParent, traceState);
        var activity = ApiLedTelemetry.Source.StartActivity(name, ActivityKind.Consumer, parent);
        if (activity is null)
        {
            activity = new Activity(name);
            if (parent != default)
            {
                activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            }

            return activity.Start();
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", System);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.destination.name", exchange);
            activity.SetTag("messaging.destination.subscription.name", queue);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", message.RoutingKey);
            activity.SetTag("messaging.message.id", message.MessageId);
            activity.SetTag("messaging.message.conversation_id", message.CorrelationId);
            activity.SetTag("messaging.message.body.size", message.Body.Length);
            if (message.DeliveryCount > 0)
            {
                activity.SetTag("messaging.rabbitmq.delivery_count", message.DeliveryCount);
            }
        }

        return activity;
    }

    /// <summary>Records what became of a delivery; a dead-lettered one marks its span as an error.</summary>
    public static void Settled(Activity activity, MessageDisposition disposition)
    {
        activity.SetTag("apiled.disposition", disposition.ToString());
        if (disposition == MessageDisposition.DeadLetter)
        {
            activity.SetStatus(ActivityStatusCode.Error, "dead-lettered");
            activity.SetTag("error.type", "dead_lettered");
        }
    }
}
