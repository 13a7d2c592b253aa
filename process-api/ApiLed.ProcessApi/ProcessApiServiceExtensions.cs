using System.ComponentModel.DataAnnotations;
using ApiLed.Messaging;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.SystemApis;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Resilience;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi;

/// <summary>Where the system APIs are and how calls to each are protected (section <c>SystemApis</c>).</summary>
public sealed record SystemApisOptions
{
    public const string Section = "SystemApis";

    [Required]
    public SystemApiOptions Inventory { get; init; } = new();

    [Required]
    public SystemApiOptions Billing { get; init; } = new();

    [Required]
    public SystemApiOptions Shipping { get; init; } = new();
}

public sealed record SystemApiOptions
{
    [Required]
    public Uri? BaseUrl { get; init; }

    public HttpResilienceOptions Resilience { get; init; } = new() { MaxRetryAttempts = 0 };
}

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
        builder.AddSqliteStore();
        builder.AddRabbitMqMessaging("process-api");
        builder.AddOutbox("/apiled/process-api");

        builder.Services.AddValidatedOptions<SagaOptions>(SagaOptions.Section);
        builder.AddFlowsFile();
        builder.Services.AddSingleton<FlowCatalog>();

        var systems = builder.Configuration.GetValidated<SystemApisOptions>(SystemApisOptions.Section);
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = systems.Inventory.BaseUrl)
            .AddResiliencePipeline("inventory-api", systems.Inventory.Resilience);
        builder.Services.AddHttpClient<BillingClient>(c => c.BaseAddress = systems.Billing.BaseUrl)
            .AddResiliencePipeline("billing-api", systems.Billing.Resilience);
        builder.Services.AddHttpClient<ShippingClient>(c => c.BaseAddress = systems.Shipping.BaseUrl)
            .AddResiliencePipeline("shipping-api", systems.Shipping.Resilience);

        builder.Services.AddTransient<SystemOperations>();
        builder.Services.AddTransient<SagaStepExecutor>();
        builder.Services.AddSingleton(sp => new StepPolicies(sp.GetRequiredService<IOptions<SagaOptions>>().Value.Patience,
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<SagaStore>();
        builder.Services.AddTransient<OrderFulfillmentSaga>();
        builder.Services.AddSingleton<SagaRunner>();
        builder.AddQueueConsumer<FulfillOrderHandler>(Topology.OrderFulfillment);
        builder.AddQueueConsumer<SagaTracker>(SagaTracker.Queue);
        builder.Services.AddSingleton(sp => new QueueObservations(TimeSpan.FromHours(1)));
        builder.Services.AddSingleton<ChoreographyQueueWatch>();
        builder.Services.AddHostedService<SagaRecovery>();
        return builder;
    }
}
