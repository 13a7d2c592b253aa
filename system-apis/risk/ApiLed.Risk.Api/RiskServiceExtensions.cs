using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Risk.Api;

public static class RiskServiceExtensions
{
    /// <summary>The screenings store and the screening rules (section <c>Risk</c>).</summary>
    public static WebApplicationBuilder AddRiskServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        builder.Services.AddValidatedOptions<RiskOptions>(RiskOptions.Section);
        builder.Services.AddSingleton<RiskStore>();
        return builder;
    }
}
