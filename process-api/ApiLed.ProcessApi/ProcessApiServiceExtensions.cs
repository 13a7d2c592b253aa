using ApiLed.Messaging;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Resilience;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi;

public static class ProcessApiServiceExtensions
{
    /// <summary>
    /// Resolves the flows file (setting <c>FlowsFile</c>, a JSON file with a <c>Flows</c> section; a relative path
    /// is resolved against the service's folder). <see cref="FlowCatalog"/> reads and watches it, and lays the
    /// service's other settings (environment variables such as <c>Flows__OrderFlow</c>) over it.
    /// </summary>
    public static WebApplicationBuilder AddFlowsFile(this WebApplicationBuilder builder)
    {
        if (builder.Configuration[FlowsOptions.FileSetting] is { Length: > 0 } file)
        {
            builder.Configuration[FlowsOptions.FileSetting] = Path.GetFullPath(file, builder.Environment.ContentRootPath);
        }

        return builder;
    }

    public static WebApplicationBuilder AddProcessApiServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        builder.AddRabbitMqMessaging("process-api");
        builder.AddOutbox("/apiled/process-api");

        builder.Services.AddValidatedOptions<SagaOptions>(SagaOptions.Section);
        builder.AddFlowsFile();
        builder.Services.AddSingleton<FlowCatalog>();

        builder.Services.AddSingleton<SystemConnections>();
        builder.Services.AddSingleton<ISystemDirectory>(sp => sp.GetRequiredService<SystemConnections>());
        builder.Services.AddSingleton<DeclaredOperations>();
        builder.Services.AddTransient<SagaStepExecutor>();
        builder.Services.AddSingleton(sp => new StepPolicies(sp.GetRequiredService<IOptions<SagaOptions>>().Value.Patience,
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<SagaStore>();
        builder.Services.AddTransient<OrderFulfillmentSaga>();
        builder.Services.AddSingleton<SagaLeases>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SagaLeases>());
        builder.Services.AddSingleton<SagaRunner>();
        // Held early callbacks and cancels that came before their saga are used once; kept as long as other bookkeeping.
        builder.Services.AddSingleton(new BookkeepingTable("saga_early_callbacks", "at"));
        builder.Services.AddSingleton(new BookkeepingTable("saga_cancellations", "requested_at"));
        builder.Services.AddSingleton<DeadLetters.DeadLetterQueues>();
        builder.Services.AddSingleton<DeadLetters.OperatorActionLog>();
        builder.Services.AddSingleton<Apis.BulkActionStore>();
        foreach (var table in Apis.BulkActionStore.Bookkeeping)
        {
            builder.Services.AddSingleton(table);
        }

        builder.Services.AddSingleton<Apis.BulkActions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Apis.BulkActions>());
        builder.Services.AddSingleton<CallbackDelivery>();
        builder.AddQueueConsumer<FulfillOrderHandler>(Topology.OrderFulfillment);
        builder.AddQueueConsumer<SagaTracker>(SagaTracker.Queue);
        builder.Services.AddSingleton(sp => new QueueObservations(TimeSpan.FromHours(1)));
        builder.Services.AddSingleton<ChoreographyQueueWatch>();
        builder.Services.AddHostedService<SagaRecovery>();
        return builder;
    }
}
