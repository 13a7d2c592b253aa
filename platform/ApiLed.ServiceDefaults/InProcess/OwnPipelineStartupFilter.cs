using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>Hands the whole built pipeline (every middleware the application adds after this filter's) to <see cref="OwnPipeline"/>.</summary>
internal sealed class OwnPipelineStartupFilter(OwnPipeline pipeline) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(rest =>
        {
            pipeline.Capture(rest);
            return rest;
        });
        next(app);
    };
}
