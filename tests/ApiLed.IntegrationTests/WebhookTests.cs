using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Partner webhooks against a real HTTP listener: the outcome arrives signed as documented in the README (Partners, Webhooks)
/// (checked here with the test's own implementation of that algorithm), failures are retried with backoff, and the
/// delivery's fate shows on the order.
/// </summary>
[Collection(PartnerLayerCollection.Name)]
public sealed class WebhookTests(PartnerLayer layer)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_completed_order_is_delivered_once_with_a_valid_signature_and_shows_as_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, callbackUrl: receiver.CallbackUrl));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        var delivery = Assert.Single(await receiver.WaitForAsync(1, DeliveryTimeout));

        Assert.Equal(SagaStatuses.Completed, order.Status);
        Assert.True(SignatureIsValid(delivery, TestPartners.Default.WebhookSecret!), $"bad signature: {delivery.Header("ApiLed-Signature")}");
        Assert.False(SignatureIsValid(delivery, TestPartners.Other.WebhookSecret!), "the signature must depend on the partner's own secret");
        Assert.Equal("application/json", delivery.Header("Content-Type").Split(';')[0]);
        Assert.Equal("order.completed", delivery.Header("ApiLed-Webhook-Event"));
        Assert.Equal("1", delivery.Header("ApiLed-Webhook-Attempt"));
        Assert.False(string.IsNullOrEmpty(delivery.Header("X-Correlation-Id")));
        var body = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal(delivery.Header("ApiLed-Webhook-Id"), body.GetProperty("id").GetString());
        Assert.Equal("order.completed", body.GetProperty("type").GetString());
        Assert.Equal(orderId, body.GetProperty("order").GetProperty("orderId").GetString());
        Assert.Equal("completed", body.GetProperty("order").GetProperty("status").GetString());

        var notification = await WaitForNotificationAsync(orderId, "delivered");
        Assert.Equal(1, notification.Attempts);
        Assert.NotNull(notification.DeliveredAt);
        await Task.Delay(1500); // time enough for a second delivery, were there one
        Assert.Single(receiver.Deliveries);
    }

    [Fact]
    public async Task An_outcome_left_in_the_queue_an_earlier_version_took_notifications_from_is_still_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1);
        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, callbackUrl: receiver.CallbackUrl));
        var order = await layer.GatewayClient.WaitForTerminalAsync(orderId);
        Assert.Single(await receiver.WaitForAsync(1, DeliveryTimeout));

        // An outcome (older than the status held, as after an operator's retry) that an earlier version routed to
        // experience.partner-notifications and left there at the upgrade: no longer bound, still drained.
        var messageId = $"{orderId}/1/order.failed";
        var outcome = new SagaProgressEvent(orderId, "order-fulfillment", "orchestration", SagaStatuses.Failed, 1, "charge-payment", "declined",
            [], DateTimeOffset.UtcNow);
        await layer.Broker.PublishAsync("", "experience.partner-notifications", messageId, MessageTypes.SagaEvent("order.failed"),
            JsonSerializer.Serialize(outcome, JsonSerializerOptions.Web));

        var deliveries = await receiver.WaitForAsync(2, DeliveryTimeout);
        var late = Assert.Single(deliveries, d => d.Header("ApiLed-Webhook-Id") == messageId);
        Assert.Equal("order.failed", late.Header("ApiLed-Webhook-Event"));
        var now = await layer.GatewayClient.GetOrderAsync(orderId);
        Assert.Equal(order.Status, now.Status); // the older snapshot did not move the status back
        Assert.Equal(order.Steps.Count, now.Steps.Count);
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_gets_the_outcome_on_the_third_attempt_and_never_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 1);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, quantity: 2, callbackUrl: receiver.CallbackUrl));
        var deliveries = await receiver.WaitForAsync(3, DeliveryTimeout);
        var notification = await WaitForNotificationAsync(orderId, "delivered");
        await Task.Delay(1500);

        Assert.Equal(3, receiver.Deliveries.Count);
        Assert.Equal([500, 500, 200], deliveries.Select(d => d.AnsweredWith));
        Assert.Equal(["1", "2", "3"], deliveries.Select(d => d.Header("ApiLed-Webhook-Attempt")));
        Assert.Single(deliveries.Select(d => d.Header("ApiLed-Webhook-Id")).Distinct());
        Assert.Single(deliveries.Select(d => Convert.ToHexString(d.Body)).Distinct());
        Assert.All(deliveries, d => Assert.True(SignatureIsValid(d, TestPartners.Default.WebhookSecret!)));
        Assert.Equal("order.failed", deliveries[^1].Header("ApiLed-Webhook-Event"));
        Assert.True(deliveries[2].At - deliveries[1].At >= deliveries[1].At - deliveries[0].At - TimeSpan.FromMilliseconds(150),
            "the wait between attempts grows (exponential backoff)");
        Assert.Equal(3, notification.Attempts);
        Assert.NotNull(notification.DeliveredAt);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_2xx_shows_the_notification_as_failed_after_the_last_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: int.MaxValue, failStatus: HttpStatusCode.ServiceUnavailable);
        var sku = LayerHttp.NewSku();
        await layer.InventoryClient.SetStockAsync(sku, onHand: 5);

        var orderId = await layer.GatewayClient.PlaceOrderAsync(LayerHttp.Order(sku, callbackUrl: receiver.CallbackUrl));
        var notification = await WaitForNotificationAsync(orderId, "failed");
        await Task.Delay(1000);

        Assert.Equal(3, notification.Attempts); // Webhooks:MaxAttempts of the PartnerLayer
        Assert.Null(notification.DeliveredAt);
        Assert.Contains("503", notification.LastError);
        Assert.Equal(3, receiver.Deliveries.Count);
    }

    [Fact]
    public async Task A_callback_url_from_a_partner_without_a_signing_secret_is_refused_with_400()
    {
        using var client = layer.CreateGatewayClient(TestPartners.WithoutWebhooks.Key);

        using var response = await client.PostOrderAsync(LayerHttp.NewKey(), LayerHttp.Order("SKU-RED-MUG", callbackUrl: "http://127.0.0.1:9/hook"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("callbackUrl", out _), problem.ToString());
    }

    /// <summary>
    /// The documented check, written independently of the product: ApiLed-Signature is <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>
    /// with v1 = HMAC-SHA256(secret, "{t}." + raw body), and t within five minutes of now.
    /// </summary>
    private static bool SignatureIsValid(WebhookReceiver.Delivery delivery, string secret)
    {
        var fields = delivery.Header("ApiLed-Signature").Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!fields.TryGetValue("t", out var t) || !fields.TryGetValue("v1", out var v1)
            || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300
            || v1.Length != 64 || !v1.All(Uri.IsHexDigit))
        {
            return false;
        }

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = hmac.ComputeHash([.. Encoding.UTF8.GetBytes(t + "."), .. delivery.Body]);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(v1));
    }

    private Task<NotificationEntry> WaitForNotificationAsync(string orderId, string status) =>
        Eventually.GetAsync(async () => (await layer.GatewayClient.GetOrderAsync(orderId)).Notifications.SingleOrDefault()!,
            n => n?.Status == status, DeliveryTimeout, $"the notification of order {orderId} to be {status}");
}
