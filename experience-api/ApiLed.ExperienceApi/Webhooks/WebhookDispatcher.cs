using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace ApiLed.ExperienceApi.Webhooks;

/// <summary>
/// Delivers due partner notifications to their orders' callback URLs: claims a batch, POSTs each body signed with the
/// partner's secret (<see cref="WebhookSignature"/>), and records the outcome: delivered on a 2xx, else pending again
/// after an exponential backoff, or failed after <see cref="WebhookOptions.MaxAttempts"/>. A notification is only sent
/// by the attempt that claimed it, and never again once it is delivered.
/// </summary>
public sealed class WebhookDispatcher(
    WebhookDeliveryStore store, IHttpClientFactory clients, IOptionsMonitor<WebhookOptions> options, TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "partner-webhooks";
    public const string UserAgent = "ApiLed-Webhooks/1.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue;
            var wait = settings.PollInterval;
            try
            {
                var claimed = await store.ClaimDueAsync(time.GetUtcNow(), settings.ClaimTimeout, settings.BatchSize, stoppingToken);
                await Task.WhenAll(claimed.Select(d => DeliverAsync(d, settings, stoppingToken)));
                if (claimed.Count == settings.BatchSize)
                {
                    continue;
                }

                if (await store.NextDueAsync(stoppingToken) is { } next)
                {
                    wait = TimeSpan.FromTicks(Math.Clamp((next - time.GetUtcNow()).Ticks, 0, settings.PollInterval.Ticks));
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Webhook dispatch pass failed; trying again in {Wait}", settings.PollInterval);
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DeliverAsync(ClaimedDelivery delivery, WebhookOptions settings, CancellationToken ct)
    {
        using var scope = CorrelationContext.Enter(logger, delivery.CorrelationId ?? CorrelationContext.NewId());
        var now = time.GetUtcNow();
        if (delivery.Attempt > settings.MaxAttempts)
        {
            await store.MarkAttemptFailedAsync(delivery, $"Gave up after {settings.MaxAttempts} attempts (the last one was interrupted).", null, now, ct);
            return;
        }

        if (!settings.SigningSecrets.TryGetValue(delivery.PartnerId, out var secret) || string.IsNullOrEmpty(secret)
            || !Uri.TryCreate(delivery.CallbackUrl, UriKind.Absolute, out var callback))
        {
            logger.LogError("Notification {WebhookId} of order {OrderId} cannot be sent: no signing secret for partner {PartnerId} or no callback URL",
                delivery.MessageId, delivery.OrderId, delivery.PartnerId);
            await store.MarkAttemptFailedAsync(delivery, $"No signing secret is configured for partner '{delivery.PartnerId}' (Webhooks:SigningSecrets).",
                null, now, ct);
            return;
        }

        var error = await SendAsync(delivery, callback, secret, ct);
        now = time.GetUtcNow();
        if (error is null)
        {
            if (!await store.MarkDeliveredAsync(delivery, now, ct))
            {
                logger.LogWarning("Notification {WebhookId} was delivered after its claim timed out (Webhooks:ClaimTimeout)", delivery.MessageId);
            }

            logger.LogInformation("Delivered {Event} of order {OrderId} to partner {PartnerId} (attempt {Attempt})",
                delivery.Event, delivery.OrderId, delivery.PartnerId, delivery.Attempt);
            return;
        }

        var retryAt = delivery.Attempt >= settings.MaxAttempts ? (DateTimeOffset?)null : now + BackoffAfter(delivery.Attempt, settings);
        logger.LogWarning("Webhook attempt {Attempt} of {WebhookId} for order {OrderId} failed: {Error}; {Next}", delivery.Attempt,
            delivery.MessageId, delivery.OrderId, error, retryAt is null ? "giving up" : $"next attempt at {retryAt:O}");
        await store.MarkAttemptFailedAsync(delivery, $"Attempt {delivery.Attempt}: {error}", retryAt, now, ct);
    }

    /// <summary>POSTs the signed body; null on a 2xx answer, else what went wrong.</summary>
    private async Task<string?> SendAsync(ClaimedDelivery delivery, Uri callback, string secret, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, callback)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        };
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature,
            WebhookSignature.HeaderValue(secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Id, delivery.MessageId);
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Event, delivery.Event);
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Attempt, delivery.Attempt.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"No answer within {options.CurrentValue.AttemptTimeout.TotalSeconds:0.#} s.";
        }
    }

    /// <summary>BaseDelay × 2^(attempt − 1), at most MaxDelay, plus up to 20% jitter.</summary>
    public static TimeSpan BackoffAfter(int attempt, WebhookOptions settings)
    {
        var exponential = settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, settings.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (1 + Random.Shared.NextDouble() * 0.2));
    }
}
