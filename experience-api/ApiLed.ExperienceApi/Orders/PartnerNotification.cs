namespace ApiLed.ExperienceApi.Orders;

/// <summary>An order's outcome to tell its partner: recorded once per message, with the webhook body every attempt sends.</summary>
/// <param name="MessageId">The outcome event's message id, which makes it once only (and is the webhook's id).</param>
/// <param name="Event">order.completed, order.failed or order.needs-attention.</param>
/// <param name="WebhookBody">The exact bytes (as text) each webhook attempt carries.</param>
/// <param name="CorrelationId">The correlation id the event carried.</param>
/// <param name="At">When it was recorded.</param>
public sealed record PartnerNotification(string MessageId, string Event, string WebhookBody, string? CorrelationId, DateTimeOffset At);
