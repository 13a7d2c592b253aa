using ApiLed.IntegrationTests.Support.Otlp;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>
/// A layer whose every service exports its traces, logs and metrics over OTLP to a <see cref="OtlpReceiver"/> of the
/// fixture's own (started before the services, stopped after them).
/// </summary>
public class TracedLayerFixture : LayerFixture
{
    private OtlpReceiver? receiver;

    public TracedLayerFixture()
    {
    }

    protected TracedLayerFixture(Action<LayerOptions> configure)
        : base(configure)
    {
    }

    public OtlpReceiver Receiver => receiver ?? throw new InvalidOperationException("The fixture has not been initialised.");

    public override async Task InitializeAsync()
    {
        receiver = await OtlpReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }
    }

    protected override void ConfigureEnvironment(LayerService service, IDictionary<string, string?> environment)
    {
        foreach (var (name, value) in Receiver.ExporterEnvironment())
        {
            environment[name] = value;
        }
    }
}
