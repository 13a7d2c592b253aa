using System.Diagnostics;
using System.Net;
using ApiLed.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>
/// The primary handler of an <see cref="HttpClient"/> that calls this same service: requests run through
/// <see cref="OwnPipeline"/> instead of a loopback socket. The client's own handlers (resilience: timeouts, retries,
/// circuit breaker) stay in front of it, and the request is the one the client would have sent, Idempotency-Key and
/// all, so the service treats it exactly as one from outside. Cancelling the call aborts the request.
/// </summary>
public sealed class OwnPipelineHandler(OwnPipeline pipeline) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("An in-process request needs an absolute request URI.");
        if (!pipeline.IsReady)
        {
            // As a service that is not listening yet refuses the connection: nothing ran, so the caller may wait and retry.
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"{request.Method} {uri.AbsolutePath}: this service's request pipeline is not built yet, so it cannot take requests in process.");
        }

        // No socket handler below to record the call: a client span of its own, as HttpClient's would be (only when traced).
        using var activity = ApiLedTelemetry.Source.StartActivity(request.Method.Method, ActivityKind.Client);
        activity?.SetTag("http.request.method", request.Method.Method);
        activity?.SetTag("url.full", uri.GetLeftPart(UriPartial.Path));
        activity?.SetTag("server.address", uri.Host);
        activity?.SetTag("server.port", uri.Port);
        activity?.SetTag("network.transport", "inproc");

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var requestFeature = new InProcessRequest
        {
            Protocol = "HTTP/1.1",
            Method = request.Method.Method,
            Scheme = uri.Scheme,
            PathBase = "",
            Path = DecodedPath(uri.AbsolutePath),
            QueryString = uri.Query,
            RawTarget = uri.PathAndQuery,
            Body = body is null ? Stream.Null : new MemoryStream(body, writable: false),
            CanHaveBody = body is not null,
        };
        requestFeature.Headers.Host = uri.Authority;
        foreach (var (name, values) in request.Headers)
        {
            requestFeature.Headers.Append(name, values.ToArray());
        }

        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                requestFeature.Headers.Append(name, values.ToArray());
            }

            requestFeature.Headers.ContentLength = body!.Length;
        }

        var response = new InProcessResponse();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(requestFeature);
        features.Set<IHttpRequestBodyDetectionFeature>(requestFeature);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = "in-process",
            LocalIpAddress = IPAddress.Loopback,
            RemoteIpAddress = IPAddress.Loopback,
            LocalPort = uri.Port,
        });

        try
        {
            await pipeline.RunAsync(features, response);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // What Kestrel does with an exception no middleware handled: a 500 if nothing was sent, else a broken connection.
            if (response.HasStarted)
            {
                throw new HttpRequestException(HttpRequestError.ResponseEnded, $"{request.Method} {uri.AbsolutePath} failed in process: {ex.Message}", ex);
            }

            activity?.SetTag("http.response.status_code", 500);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new HttpResponseMessage(HttpStatusCode.InternalServerError) { RequestMessage = request, Content = new ByteArrayContent([]) };
        }

        cancellationToken.ThrowIfCancellationRequested();
        activity?.SetTag("http.response.status_code", response.StatusCode);
        if (response.StatusCode >= 500)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }

        var written = response.Written;
        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            ReasonPhrase = response.ReasonPhrase,
            Content = new ByteArrayContent(written.Array!, written.Offset, written.Count),
        };
        foreach (var (name, values) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return message;
    }

    /// <summary>The path as Kestrel hands it to the application: percent-decoded, but for <c>%2F</c>, which stays.</summary>
    private static string DecodedPath(string escaped)
    {
        var segments = escaped.Split("%2F", StringSplitOptions.None);
        if (segments.Length == 1)
        {
            segments = escaped.Split("%2f", StringSplitOptions.None);
        }

        return string.Join("%2F", segments.Select(Uri.UnescapeDataString));
    }
}
