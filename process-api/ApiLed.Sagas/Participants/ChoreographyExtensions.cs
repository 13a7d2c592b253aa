using ApiLed.Messaging;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.InProcess;
using ApiLed.ServiceDefaults.Resilience;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiLed.Sagas.Participants;

/// <summary>Settings of the choreography participant beside a system API (section <c>Choreography</c>).</summary>
public sealed record ChoreographyOptions
{
    public const string Section = "Choreography";

    /// <summary>Run the participant (it only acts on sagas of flows in choreography mode).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The system API the participant calls over HTTP. Unset (the default), it calls the system API in its own process,
    /// through the service's request pipeline without a socket; set, over the network (e.g. through a proxy).
    /// </summary>
    public Uri? SystemApiUrl { get; init; }

    /// <summary>How long a step waits for its system while it is unavailable (no connection, circuit open, 503) before it fails.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries and budget of a compensation before the saga is parked.</summary>
    public CompensationPolicy Compensation { get; init; } = new();

    /// <summary>Per-call timeout and circuit breaker of the calls to the system API.</summary>
    public HttpResilienceOptions Resilience { get; init; } = new() { AttemptTimeout = TimeSpan.FromSeconds(3), MaxRetryAttempts = 0 };
}

public static class ChoreographyExtensions
{
    /// <summary>
    /// Hosts the choreography participant of <paramref name="system"/> (the name the flows file gives it) beside
    /// its system API: a RabbitMQ consumer on <c>{system}.choreography</c> that runs the operations of that system the saga's
    /// definition declares, calling the system API in process, through
    /// the service's own request pipeline (idempotency, validation and the client's resilience policies as over HTTP,
    /// without the loopback connection), or over HTTP at <see cref="ChoreographyOptions.SystemApiUrl"/> when it is set.
    /// The system API keeps serving while the broker is away (readiness degraded, not down).
    /// </summary>
    public static WebApplicationBuilder AddChoreographyParticipant(this WebApplicationBuilder builder, string system)
    {
        var options = builder.Configuration.GetValidated<ChoreographyOptions>(ChoreographyOptions.Section);
        if (!options.Enabled)
        {
            return builder;
        }

        builder.AddRabbitMqMessaging($"{system}-participant", brokerDownStatus: HealthStatus.Degraded);
        builder.Services.AddValidatedOptions<ChoreographyOptions>(ChoreographyOptions.Section);
        var systemApi = options.SystemApiUrl ?? OwnAddress(builder.Configuration["urls"]);
        var client = builder.Services.AddHttpClient(OwnSystemDirectory.ClientName, c => c.BaseAddress = systemApi);
        client.AddResiliencePipeline($"{system}-api", options.Resilience);
        if (options.SystemApiUrl is null)
        {
            client.UseOwnPipeline();
        }

        builder.Services.AddSingleton(new ParticipantIdentity(system));
        builder.Services.AddSingleton(sp => new StepPolicies(options.Patience, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ISystemDirectory, OwnSystemDirectory>();
        builder.Services.AddSingleton<DeclaredOperations>();
        builder.Services.AddTransient<SagaStepExecutor>();
        builder.Services.AddSingleton<InboxStore>();
        builder.Services.AddSingleton(sp => sp.CreateConfirmedPublisher($"/apiled/{system}-participant", $"{system} participant publisher"));
        builder.AddQueueConsumer<ChoreographyParticipant>(ChoreographyQueues.SpecFor(system));
        return builder;
    }

    /// <summary>The first address this process listens on, as a client reaches it (wildcard hosts become 127.0.0.1).</summary>
    public static Uri OwnAddress(string? urls)
    {
        var first = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                    ?? "http://127.0.0.1:5000";
        first = first.Replace("://*", "://127.0.0.1").Replace("://+", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1")
            .Replace("://[::]", "://127.0.0.1");
        return new Uri(first);
    }
}
