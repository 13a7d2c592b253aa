using System.ComponentModel.DataAnnotations;
using ApiLed.ExperienceApi.Cancellations;
using ApiLed.ExperienceApi.Catalog;
using ApiLed.ExperienceApi.Events;
using ApiLed.ExperienceApi.Orders;
using ApiLed.ExperienceApi.Webhooks;
using ApiLed.Messaging;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Resilience;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiLed.ExperienceApi;

/// <summary>Order intake settings (section <c>Orders</c>).</summary>
public sealed record OrdersOptions
{
    public const string Section = "Orders";
    public const string PartnerHeader = "X-Partner-Id";

    /// <summary>ISO 4217 currency of every price and total.</summary>
    [Required, RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; init; } = "EUR";

    /// <summary>The partner of requests that reach the experience API without an <c>X-Partner-Id</c> from the gateway.</summary>
    [Required]
    public string DefaultPartner { get; init; } = "public";

    /// <summary>Seconds a partner is asked to wait before polling an accepted order.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; init; } = 2;
}

public static class ExperienceApiServiceExtensions
{
    public static WebApplicationBuilder AddExperienceApiServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        // Orders are still accepted into the outbox while the broker is away: the service is degraded, not down.
        builder.AddRabbitMqMessaging("experience-api", brokerDownStatus: HealthStatus.Degraded);
        builder.AddOutbox("/apiled/experience-api", Topology.OrderFulfillment);
        builder.AddQueueConsumer<OrderStatusProjection>(OrderStatusProjection.Queue);
        builder.AddQueueConsumer<OrderStatusProjection>(OrderStatusProjection.RetiredNotificationsQueue);

        builder.Services.AddValidatedOptions<OrdersOptions>(OrdersOptions.Section);
        builder.Services.AddValidatedOptions<CatalogOptions>(CatalogOptions.Section);
        var catalog = builder.Configuration.GetValidated<CatalogOptions>(CatalogOptions.Section);
        builder.Services.AddHttpClient(ProductCatalog.HttpClientName, c => c.BaseAddress = catalog.InventoryUrl)
            .AddResiliencePipeline(ProductCatalog.HttpClientName, new HttpResilienceOptions
            {
                AttemptTimeout = TimeSpan.FromSeconds(2),
                TotalTimeout = TimeSpan.FromSeconds(5),
                MaxRetryAttempts = 2,
            })
            .AddReplicaBalancing(catalog.InventoryUrl!, catalog.InventoryReplicas);
        builder.Services.AddSingleton<ProductCatalog>();

        builder.Services.AddValidatedOptions<ProcessApiOptions>(ProcessApiOptions.Section);
        var processApi = builder.Configuration.GetValidated<ProcessApiOptions>(ProcessApiOptions.Section);
        builder.Services.AddHttpClient(OrderCancellations.HttpClientName, c => c.BaseAddress = processApi.BaseUrl)
            .AddResiliencePipeline(OrderCancellations.HttpClientName, new HttpResilienceOptions
            {
                AttemptTimeout = TimeSpan.FromSeconds(3),
                TotalTimeout = TimeSpan.FromSeconds(8),
                MaxRetryAttempts = 2, // a cancel is idempotent in the process API
            })
            .AddReplicaBalancing(processApi.BaseUrl!, processApi.Replicas);
        builder.Services.AddSingleton<OrderCancellations>();
        builder.Services.AddSingleton<OrderStore>();
        builder.AddPartnerWebhooks();
        return builder;
    }

    /// <summary>Signed webhooks to partners' callback URLs, retried with backoff (section <c>Webhooks</c>).</summary>
    public static WebApplicationBuilder AddPartnerWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        builder.Services.AddSingleton<WebhookDeliveryStore>();
        // No retries inside the call: the dispatcher's schedule is the retry policy. Redirects are not followed, no proxy
        // is used, and connections go only to public addresses unless Webhooks:AllowPrivateNetworkCallbacks is set.
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient((sp, http) => http.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AttemptTimeout)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<WebhookOptions>>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, ct) =>
                        CallbackAddresses.ConnectAsync(context.DnsEndPoint, options.CurrentValue.AllowPrivateNetworkCallbacks, ct),
                };
            });
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }
}
