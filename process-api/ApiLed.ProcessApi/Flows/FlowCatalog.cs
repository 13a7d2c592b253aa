using System.Text.Json;
using ApiLed.Sagas.Flows;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace ApiLed.ProcessApi.Flows;

/// <summary>
/// The flow definitions in force. They are read at start-up (an invalid configuration stops the service with
/// every problem named) and again whenever the flows file changes (it is watched) or
/// <c>POST /api/v1/flows/reload</c> asks: a valid change applies to new orders, an invalid one is refused and the
/// flows in force keep running. Sagas keep the definition they started with.
/// </summary>
/// <remarks>
/// The catalog reads the flows file itself, at the moment it is asked to, rather than through the service's
/// configuration: an explicit reload therefore validates the file as it is now, never a copy a file watcher took
/// earlier (or halfway through a write). Settings given elsewhere (environment variables such as
/// <c>Flows__OrderFlow</c>, the command line, appsettings) are laid over the file.
/// </remarks>
public sealed class FlowCatalog : IDisposable
{
    /// <summary>How long the file must stay quiet after a change before it is read (an editor saves in steps).</summary>
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(300);

    private static readonly JsonDocumentOptions FileJson = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly IConfiguration configuration;
    private readonly ILogger<FlowCatalog> logger;
    private readonly TimeProvider time;
    private readonly string? file;
    private readonly PhysicalFileProvider? folder;
    private readonly IDisposable? watch;
    private readonly ITimer? settle;
    private readonly Lock gate = new();
    private FlowsOptions current;
    private (string Name, FlowDefinition Definition) orderFlow;
    private string appliedJson;

    public FlowCatalog(IConfiguration configuration, ILogger<FlowCatalog> logger, TimeProvider time)
    {
        this.configuration = configuration;
        this.logger = logger;
        this.time = time;
        file = configuration[FlowsOptions.FileSetting] is { Length: > 0 } setting ? Path.GetFullPath(setting) : null;

        var (options, errors) = Load();
        if (options is null)
        {
            throw new InvalidOperationException("The flow configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        current = options;
        orderFlow = PinnedOrderFlow(options);
        appliedJson = JsonSerializer.Serialize(options);
        LastReload = new FlowReload(time.GetUtcNow(), true, [], Warnings(options));
        foreach (var warning in LastReload.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }

        if (file is not null && Path.GetDirectoryName(file) is { } directory)
        {
            folder = new PhysicalFileProvider(directory);
            settle = time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            watch = ChangeToken.OnChange(() => folder.Watch(Path.GetFileName(file)),
                () => settle.Change(SettleDelay, Timeout.InfiniteTimeSpan));
        }
    }

    /// <summary>Where the flows come from (the flows file, or the service's appsettings).</summary>
    public string Source => file ?? "appsettings.json";

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

    /// <summary>
    /// The flow new orders run, as the snapshot a new saga keeps: one instance per applied configuration, shared by the
    /// sagas that start under it (a definition is never changed once made), so it is serialized once.
    /// </summary>
    public (string Name, FlowDefinition Definition) OrderFlow
    {
        get
        {
            lock (gate)
            {
                return orderFlow;
            }
        }
    }

    /// <summary>Reads the flows as they are now and applies them when valid; otherwise keeps the flows in force.</summary>
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

            var json = JsonSerializer.Serialize(options);
            var changed = json != appliedJson;
            current = options;
            orderFlow = PinnedOrderFlow(options);
            appliedJson = json;
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

    public void Dispose()
    {
        watch?.Dispose();
        settle?.Dispose();
        folder?.Dispose();
    }

    private (FlowsOptions? Options, IReadOnlyList<string> Errors) Load()
    {
        IConfiguration flows = configuration;
        if (file is not null)
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(file);
                using var _ = JsonDocument.Parse(content, FileJson);
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                return (null, [$"{file}: cannot be read as JSON: {ex.Message}"]);
            }

            flows = new ConfigurationBuilder()
                .AddJsonStream(new MemoryStream(content))
                .AddConfiguration(configuration, shouldDisposeConfiguration: false)
                .Build();
        }

        FlowsOptions options;
        try
        {
            options = flows.GetSection(FlowsOptions.Section).Get<FlowsOptions>() ?? new FlowsOptions();
        }
        catch (InvalidOperationException ex)
        {
            return (null, [$"{Source}: {ex.Message}"]);
        }

        var errors = FlowValidator.Validate(options, Source);
        return errors.Count == 0 ? (options, errors) : (null, errors);
    }

    private static (string Name, FlowDefinition Definition) PinnedOrderFlow(FlowsOptions options) =>
        (options.OrderFlow, options.Definitions[options.OrderFlow].ToDefinition(options));

    private List<string> Warnings(FlowsOptions options) =>
    [
        .. options.Definitions
            .Select(f => (Name: f.Key, f.Value.Mode, Advice: FlowAdvisor.Advise(f.Value.Characteristics)))
            .Where(f => !f.Advice.Accepts(f.Mode))
            .Select(f => $"{Source}: flow '{f.Name}' runs in {f.Mode} mode, but the decision advisor recommends {f.Advice.Recommended}: " +
                         string.Join(" ", f.Advice.Reasons)),
    ];
}
