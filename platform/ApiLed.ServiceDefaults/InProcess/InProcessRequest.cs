using Microsoft.AspNetCore.Http.Features;

namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>The request side of an in-process request: what Kestrel would have parsed, and whether it has a body.</summary>
public sealed class InProcessRequest : HttpRequestFeature, IHttpRequestBodyDetectionFeature
{
    public bool CanHaveBody { get; init; }
}
