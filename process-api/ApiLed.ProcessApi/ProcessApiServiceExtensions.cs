using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using System.ComponentModel.DataAnnotations;
using ApiLed.Messaging;
using ApiLed.Sagas.Flows;
using ApiLed.ProcessApi.Sagas;
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
    public static WebApplicationBuilder AddProcessApiServices(this WebApplicationBuilder builder)
    {
        builder.AddSqliteStore();
        builder.AddRabbitMqMessaging("process-api");
        builder.AddOutbox("/apiled/process-api");

        builder.Services.AddValidatedOptions<SagaOptions>(SagaOptions.Section);
        builder.Services.AddOptions<FlowsOptions>().BindConfiguration(FlowsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FlowsOptions>, FlowValidator>();
        builder.Services.AddSingleton<FlowCatalog>();

        var systems = builder.Configuration.GetValidated<SystemApisOptions>(SystemApisOptions.Section);
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = systems.Inventory.BaseUrl)
            .AddResiliencePipeline("inventory-api", systems.Inventory.Resilience);
        builder.Services.AddHttpClient<BillingClient>(c => c.BaseAddress = systems.Billing.BaseUrl)
            .AddResiliencePipeline("billing-api", systems.Billing.Resilience);
        builder.Services.AddHttpClient<ShippingClient>(c => c.BaseAddress = systems.Shipping.BaseUrl)
            .AddResiliencePipeline("shipping-api", systems.Shipping.Resilience);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddTransient<SystemOperations>();
        builder.Services.AddTransient<SagaStepExecutor>();
        builder.Services.AddSingleton<StepPolicies>();
        builder.Services.AddSingleton<SagaStore>();
        builder.Services.AddTransient<OrderFulfillmentSaga>();
        builder.Services.AddSingleton<SagaRunner>();
        builder.AddQueueConsumer<FulfillOrderHandler>(Topology.OrderFulfillment);
        builder.Services.AddHostedService<SagaRecovery>();
        return builder;
    }
}
