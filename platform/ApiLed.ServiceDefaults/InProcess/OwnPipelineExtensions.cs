using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApiLed.ServiceDefaults.InProcess;

public static class OwnPipelineExtensions
{
    /// <summary>Sends this client's requests through the service's own pipeline, in process, instead of over a loopback socket.</summary>
    public static IHttpClientBuilder UseOwnPipeline(this IHttpClientBuilder client)
    {
        client.Services.TryAddSingleton<OwnPipeline>();
        client.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, OwnPipelineStartupFilter>());
        return client.ConfigurePrimaryHttpMessageHandler(sp => new OwnPipelineHandler(sp.GetRequiredService<OwnPipeline>()));
    }
}
