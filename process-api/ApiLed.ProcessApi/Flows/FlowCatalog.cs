using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.SystemApis;
using Microsoft.Extensions.Primitives;

namespace ApiLed.ProcessApi.Flows;

/// <summary>A flow as configured: its definition plus what the advisor needs to know about it.</summary>
public sealed record ConfiguredFlow
{
    public string Mode { get; init; } = FlowModes.Hybrid;

    public List<StepDefinition> Steps { get; init; } = [];

    public FlowCharacteristics Characteristics { get; init; } = new();

    public FlowDefinition ToDefinition() => new() { Mode = Mode, Steps = Steps };
}

/// <summary>The flows an integration architect configures (section <c>Flows</c>, usually in the flows file).</summary>
public sealed record FlowsOptions
{
    public const string Section = "Flows";

    /// <summary>The setting that names the flows file (a JSON file with a <c>Flows</c> section).</summary>
    public const string FileSetting = "FlowsFile";

    /// <summary>The flow new orders run.</summary>
    public string OrderFlow { get; init; } = "order-fulfillment";

    public Dictionary<string, ConfiguredFlow> Definitions { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>The outcome of loading the flow configuration.</summary>
public sealed record FlowReload(DateTimeOffset At, bool Applied, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

/// <summary>
/// The flow definitions in force. They are read at start-up (an invalid configuration stops the service with
/// every problem named) and again whenever the configuration changes (the flows file is watched) or
/// <c>POST /api/v1/flows/reload</c> asks: a valid change applies to new orders, an invalid one is refused and the
/// flows in force keep running. Sagas keep the definition they started with.
/// </summary>
public sealed class FlowCatalog : IDisposable
{
    private readonly IConfiguration configuration;
    private readonly ILogger<FlowCatalog> logger;
    private readonly TimeProvider time;
    private readonly IDisposable watch;
    private readonly Lock gate = new();
    private FlowsOptions current;

    public FlowCatalog(IConfiguration configuration, ILogger<FlowCatalog> logger, TimeProvider time)
    {
        this.configuration = configuration;
        this.logger = logger;
        this.time = time;
        var (options, errors) = Load();
        if (options is null)
        {
            throw new InvalidOperationException("The flow configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        current = options;
        LastReload = new FlowReload(time.GetUtcNow(), true, [], Warnings(options));
        foreach (var warning in LastReload.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }

        watch = ChangeToken.OnChange(configuration.GetReloadToken, () => Reload());
    }

    /// <summary>Where the flows come from (the flows file, or the service's appsettings).</summary>
    public string Source => configuration[FlowsOptions.FileSetting] ?? "appsettings.json";

    public FlowReload LastReload { get; private set; }

    public FlowsOptions Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>The flow new orders run, as the snapshot a new saga keeps.</summary>
    public (string Name, FlowDefinition Definition) OrderFlow
    {
        get
        {
            var flows = Current;
            return (flows.OrderFlow, flows.Definitions[flows.OrderFlow].ToDefinition());
        }
    }

    /// <summary>
    /// Re-reads the configuration sources (the flows file among them) and returns the outcome: the change callback
    /// validates and applies it once; only a configuration that is not reloadable is validated here directly.
    /// </summary>
    public FlowReload ReloadNow()
    {
        var before = LastReload;
        if (configuration is IConfigurationRoot root)
        {
            root.Reload();
        }

        return ReferenceEquals(LastReload, before) ? Reload() : LastReload;
    }

    /// <summary>Reads the configuration again and applies it when valid; otherwise keeps the flows in force.</summary>
    public FlowReload Reload()
    {
        lock (gate)
        {
            var (options, errors) = Load();
            if (options is null)
            {
                LastReload = new FlowReload(time.GetUtcNow(), false, errors, []);
                logger.LogError("Flow configuration change refused; the flows in force keep running:{NewLine}{Errors}",
                    Environment.NewLine, string.Join(Environment.NewLine, errors));
                return LastReload;
            }

            var changed = System.Text.Json.JsonSerializer.Serialize(options) != System.Text.Json.JsonSerializer.Serialize(current);
            current = options;
            LastReload = new FlowReload(time.GetUtcNow(), true, [], Warnings(options));
            if (changed)
            {
                logger.LogInformation("Flow configuration applied: new orders run '{Flow}' ({Mode})", options.OrderFlow,
                    options.Definitions[options.OrderFlow].Mode);
            }

            foreach (var warning in LastReload.Warnings)
            {
                logger.LogWarning("{Warning}", warning);
            }

            return LastReload;
        }
    }

    public void Dispose() => watch.Dispose();

    private (FlowsOptions? Options, IReadOnlyList<string> Errors) Load()
    {
        if (configuration[FlowsOptions.FileSetting] is { Length: > 0 } file)
        {
            try
            {
                using var _ = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file),
                    new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException)
            {
                return (null, [$"{file}: cannot be read as JSON: {ex.Message}"]);
            }
        }

        FlowsOptions options;
        try
        {
            options = configuration.GetSection(FlowsOptions.Section).Get<FlowsOptions>() ?? new FlowsOptions();
        }
        catch (InvalidOperationException ex)
        {
            return (null, [$"{Source}: {ex.Message}"]);
        }

        var errors = FlowValidator.Validate(options, Source);
        return errors.Count == 0 ? (options, errors) : (null, errors);
    }

    private List<string> Warnings(FlowsOptions options) =>
    [
        .. options.Definitions
            .Select(f => (Name: f.Key, f.Value.Mode, Advice: FlowAdvisor.Advise(f.Value.Characteristics)))
            .Where(f => !f.Advice.Accepts(f.Mode))
            .Select(f => $"{Source}: flow '{f.Name}' runs in {f.Mode} mode, but the decision advisor recommends {f.Advice.Recommended}: " +
                         string.Join(" ", f.Advice.Reasons)),
    ];
}

/// <summary>Checks flow definitions; every message names the file, the flow and the field.</summary>
public static class FlowValidator
{
    public static List<string> Validate(FlowsOptions options, string source)
    {
        var failures = new List<string>();
        void Fail(string message) => failures.Add($"{source}: {message}");

        if (options.Definitions.Count == 0)
        {
            Fail("Flows:Definitions is empty; define at least the order flow.");
        }
        else if (!options.Definitions.ContainsKey(options.OrderFlow))
        {
            Fail($"Flows:OrderFlow names '{options.OrderFlow}', which is not among Flows:Definitions ({string.Join(", ", options.Definitions.Keys)}).");
        }

        foreach (var (flowName, flow) in options.Definitions)
        {
            var at = $"Flows:Definitions:{flowName}";
            var choreographed = flow.Mode == FlowModes.Choreography;
            if (!FlowModes.All.Contains(flow.Mode))
            {
                Fail($"{at}:Mode is '{flow.Mode}'; use one of {string.Join(", ", FlowModes.All)}.");
            }

            if (flow.Steps.Count == 0)
            {
                Fail($"{at}:Steps is empty; a flow needs at least one step.");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var emitters = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < flow.Steps.Count; i++)
            {
                var step = flow.Steps[i];
                var stepAt = $"{at}:Steps:{i}";
                if (string.IsNullOrWhiteSpace(step.Name))
                {
                    Fail($"{stepAt}:Name is required.");
                }
                else if (!names.Add(step.Name))
                {
                    Fail($"{stepAt}:Name '{step.Name}' is used by an earlier step; step names must be unique.");
                }

                if (!SystemOperations.Known.TryGetValue(step.Operation, out var operation))
                {
                    Fail($"{stepAt}:Operation '{step.Operation}' is unknown; known operations: {string.Join(", ", SystemOperations.Known.Keys)}.");
                }
                else if (operation.CompensatedBy is { } required && step.Compensation != required)
                {
                    Fail(string.IsNullOrEmpty(step.Compensation)
                        ? $"{stepAt}:Compensation is required: '{step.Operation}' changes a system of record and is undone by '{required}'."
                        : $"{stepAt}:Compensation '{step.Compensation}' does not undo '{step.Operation}'; use '{required}'.");
                }

                if (step.Timeout <= TimeSpan.Zero)
                {
                    Fail($"{stepAt}:Timeout must be positive.");
                }

                if (step.Retry.MaxAttempts is < 1 or > 20)
                {
                    Fail($"{stepAt}:Retry:MaxAttempts must be between 1 and 20.");
                }

                if (step.Retry.BaseDelay < TimeSpan.Zero)
                {
                    Fail($"{stepAt}:Retry:BaseDelay cannot be negative.");
                }

                foreach (var (field, name) in new[] { ("Succeeded", step.Events.Succeeded), ("Failed", step.Events.Failed), ("Compensated", step.Events.Compensated) })
                {
                    var eventAt = $"{stepAt}:Events:{field}";
                    if (string.IsNullOrEmpty(name))
                    {
                        if (choreographed)
                        {
                            Fail($"{eventAt} is required in choreography mode: participants react to each other's events.");
                        }

                        continue;
                    }

                    if (name.Any(ch => ch is '*' or '#' || char.IsWhiteSpace(ch)) || name.StartsWith('.') || name.EndsWith('.'))
                    {
                        Fail($"{eventAt} '{name}' is not a valid routing key (dot-separated words, no wildcards).");
                    }
                    else if (SagaTransitions.ReservedEvents.Contains(name))
                    {
                        Fail($"{eventAt} '{name}' is the saga's own outcome event; a step cannot emit it (the event wiring would loop back to the start).");
                    }
                    else if (emitters.TryGetValue(name, out var other))
                    {
                        Fail($"{eventAt} '{name}' is also emitted by {other}: one event would trigger two reactions, so the event wiring would loop.");
                    }
                    else
                    {
                        emitters[name] = $"{step.Name}:{field}";
                    }
                }
            }
        }

        return failures;
    }
}
