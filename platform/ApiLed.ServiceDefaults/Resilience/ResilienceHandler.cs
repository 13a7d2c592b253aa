using Polly;

namespace ApiLed.ServiceDefaults.Resilience;

/// <summary>Runs each request through a downstream API's resilience pipeline (see <see cref="HttpResilience"/>).</summary>
public sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        return await pipeline.ExecuteAsync(
            static async (state, ct) => await state.Handler.SendCore(state.Request, ct),
            (Handler: this, Request: request), cancellationToken);
    }

    private Task<HttpResponseMessage> SendCore(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
