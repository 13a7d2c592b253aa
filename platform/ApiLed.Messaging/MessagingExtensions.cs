using ApiLed.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiLed.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// RabbitMQ settings (section <c>RabbitMq</c>), the connection and its readiness check. A service that can do
    /// its job while the broker is away (the experience API accepts orders into its outbox) reports
    /// <see cref="HealthStatus.Degraded"/> rather than unhealthy.
    /// </summary>
    public static WebApplicationBuilder AddRabbitMqMessaging(this WebApplicationBuilder builder, string clientName,
        HealthStatus brokerDownStatus = HealthStatus.Unhealthy)
    {
        builder.Services.AddValidatedOptions<RabbitMqOptions>(RabbitMqOptions.Section);
        builder.Services.AddSingleton(sp => new RabbitMqConnectionProvider(
            sp.GetRequiredService<IOptions<RabbitMqOptions>>(),
            sp.GetRequiredService<ILogger<RabbitMqConnectionProvider>>(), clientName));
        builder.Services.AddSingleton<MessagingTopologyRegistry>();
        builder.Services.AddSingleton<BrokerClients>();
        builder.Services.AddHostedService<QueueDepths>(); // the depth of every queue consumed here and of its dead letters
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration("rabbitmq",
                sp => sp.GetRequiredService<RabbitMqConnectionProvider>(), brokerDownStatus, [ServiceDefaultsExtensions.ReadyTag]))
            .Add(new HealthCheckRegistration("broker-clients",
                sp => ActivatorUtilities.CreateInstance<BrokerClientsHealthCheck>(sp), brokerDownStatus, [ServiceDefaultsExtensions.ReadyTag]));
        return builder;
    }

    /// <summary>The transactional outbox and its relay; <paramref name="requiredQueues"/> are declared before publishing.</summary>
    public static WebApplicationBuilder AddOutbox(this WebApplicationBuilder builder, string source, params QueueSpec[] requiredQueues)
    {
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxStore>();
        builder.Services.AddHostedService(sp =>
        {
            var registry = sp.GetRequiredService<MessagingTopologyRegistry>();
            foreach (var queue in requiredQueues)
            {
                registry.Require(queue);
            }

            return ActivatorUtilities.CreateInstance<OutboxRelay>(sp, sp.CreateConfirmedPublisher(source, "outbox relay"));
        });
        return builder;
    }

    /// <summary>A publisher of its own (one confirmed channel) for <paramref name="name"/>, publishing as <paramref name="source"/>.</summary>
    public static ConfirmedPublisher CreateConfirmedPublisher(this IServiceProvider services, string source, string name) =>
        new(services.GetRequiredService<RabbitMqConnectionProvider>(), services.GetRequiredService<MessagingTopologyRegistry>(),
            services.GetRequiredService<BrokerClients>(), services.GetRequiredService<IOptions<RabbitMqOptions>>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ConfirmedPublisher>>(), source, name);

    /// <summary>Consumes <paramref name="queue"/> with <typeparamref name="THandler"/> (one handler may consume several queues).</summary>
    public static WebApplicationBuilder AddQueueConsumer<THandler>(this WebApplicationBuilder builder, QueueSpec queue)
        where THandler : class, IMessageHandler
    {
        builder.Services.TryAddSingleton<THandler>();
        builder.Services.AddSingleton(new ConsumedQueue(queue));
        // Not AddHostedService: it adds one hosted service per implementation type, so a second queue of the same handler would be dropped.
        builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueConsumer<THandler>>(sp, queue));
        return builder;
    }
}
