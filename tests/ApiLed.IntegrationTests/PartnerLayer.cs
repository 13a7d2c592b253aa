using ApiLed.IntegrationTests.Infrastructure;

namespace ApiLed.IntegrationTests;

/// <summary>
/// One layer shared by the partner-facing tests (keys, isolation, rate limits, webhooks, Swagger UI, openapi/), with a
/// webhook schedule fast enough for tests (retries after 200 ms, 400 ms, … and at most three attempts) and callbacks
/// allowed to reach the test's own listeners on 127.0.0.1.
/// </summary>
public sealed class PartnerLayer() : LayerFixture(o =>
{
    o.SetEnvironment(LayerService.ExperienceApi, "Webhooks__BaseDelay", "00:00:00.200");
    o.SetEnvironment(LayerService.ExperienceApi, "Webhooks__MaxAttempts", "3");
    o.SetEnvironment(LayerService.ExperienceApi, "Webhooks__PollInterval", "00:00:00.100");
    o.SetEnvironment(LayerService.ExperienceApi, "Webhooks__AttemptTimeout", "00:00:05");
    o.SetEnvironment(LayerService.ExperienceApi, "Webhooks__AllowPrivateNetworkCallbacks", "true");
});

[CollectionDefinition(Name)]
public sealed class PartnerLayerCollection : ICollectionFixture<PartnerLayer>
{
    public const string Name = "partner layer";
}
