namespace ApiLed.ServiceDefaults.InProcess;

/// <summary>The body stream of an <see cref="InProcessResponse"/>: starts the response on its first write, then buffers.</summary>
internal sealed class InProcessResponseStream(MemoryStream buffer, InProcessResponse response) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await response.EnsureStartedAsync();
        buffer.Write(source.Span);
    }

    public override Task WriteAsync(byte[] source, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(source.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] source, int offset, int count) =>
        throw new InvalidOperationException("Synchronous operations are disallowed: write the response body asynchronously.");

    public override Task FlushAsync(CancellationToken cancellationToken) => response.EnsureStartedAsync();

    public override void Flush()
    {
    }

    public override int Read(byte[] target, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
