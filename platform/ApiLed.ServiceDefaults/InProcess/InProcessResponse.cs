using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>
/// The response side of an in-process request: status, headers and a buffered body. As a server does, it runs the
/// <c>OnStarting</c> callbacks before the first byte of the body (or when the response completes without one), after
/// which the status and headers are read-only, and the <c>OnCompleted</c> callbacks once the response is done.
/// </summary>
public sealed class InProcessResponse : IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly MemoryStream buffer = new();
    private readonly List<(Func<object, Task> Callback, object State)> starting = [];
    private readonly List<(Func<object, Task> Callback, object State)> completed = [];
    private PipeWriter? writer;
    private int statusCode = StatusCodes.Status200OK;

    public InProcessResponse()
    {
        Stream = new InProcessResponseStream(buffer, this);
        Body = Stream;
    }

    public int StatusCode
    {
        get => statusCode;
        set
        {
            if (HasStarted)
            {
                throw new InvalidOperationException("StatusCode cannot be set because the response has already started.");
            }

            statusCode = value;
        }
    }

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    public Stream Body { get; set; }

    public bool HasStarted { get; private set; }

    public Stream Stream { get; }

    public PipeWriter Writer => writer ??= PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));

    /// <summary>The body written so far.</summary>
    public ArraySegment<byte> Written => new(buffer.GetBuffer(), 0, (int)buffer.Length);

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has started: too late to register an OnStarting callback.");
        }

        starting.Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => completed.Add((callback, state));

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => EnsureStartedAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync();
        await SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        if (writer is not null)
        {
            await writer.FlushAsync();
        }

        await EnsureStartedAsync();
    }

    /// <summary>Runs the <c>OnStarting</c> callbacks once, the last registered first, and freezes status and headers.</summary>
    internal async Task EnsureStartedAsync()
    {
        if (HasStarted)
        {
            return;
        }

        for (var i = starting.Count - 1; i >= 0; i--)
        {
            await starting[i].Callback(starting[i].State);
        }

        HasStarted = true;
        if (Headers is HeaderDictionary headers)
        {
            headers.IsReadOnly = true;
        }
    }

    /// <summary>Runs the <c>OnCompleted</c> callbacks (they dispose the request's services, among others), the last registered first.</summary>
    internal async Task RunCompletedCallbacksAsync()
    {
        for (var i = completed.Count - 1; i >= 0; i--)
        {
            await completed[i].Callback(completed[i].State);
        }

        completed.Clear();
    }
}
