using ApiLed.Contracts;
using ApiLed.ExperienceApi.Orders;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>The body of a webhook delivery: the outcome of one order.</summary>
/// <param name="Id">The notification's id (also in <c>ApiLed-Webhook-Id</c>); the same on every attempt.</param>
/// <param name="Type">order.completed, order.failed, order.cancelled or order.needs-attention.</param>
/// <param name="OccurredAt">When the order reached this state.</param>
/// <param name="Order">The order's status at that moment.</param>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset OccurredAt, WebhookOrder Order)
{
    public static WebhookEvent From(string messageId, string eventName, SagaProgressEvent progress) => new(
        messageId, eventName, progress.At,
        new WebhookOrder(progress.OrderId, OrderStatuses.FromSaga(progress.Status), progress.Steps,
            progress.FailedStep is null ? null : new OrderFailureView(progress.FailedStep, progress.FailureReason ?? ""),
            [.. progress.Steps.Where(s => s.Status == "compensated").Reverse().Select(s => s.Name)]));
}

/// <summary>An order's outcome as a webhook tells it (the same fields as <c>GET /api/v1/orders/{id}</c>).</summary>
public sealed record WebhookOrder(string OrderId, string Status, IReadOnlyList<SagaStepView> Steps, OrderFailureView? Failure,
    IReadOnlyList<string> Compensated);
