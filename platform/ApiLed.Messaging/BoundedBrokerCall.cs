namespace ApiLed.Messaging;

/// <summary>
/// Runs one call to the broker (a channel open or close, a declare, an acknowledgement) with a time limit.
/// RabbitMQ.Client 7 can hang on such a call after a broker restart (rabbitmq-dotnet-client #1930, #1682), so
/// the call gets a cancellation token that fires at the limit, and the caller stops waiting at the limit even if
/// the call ignores its token.
/// </summary>
public static class BoundedBrokerCall
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan limit, string what, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            return await call(timeout.Token).WaitAsync(limit, ct);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new TimeoutException($"{what} did not finish within {limit.TotalSeconds:0.#} s.", ex);
        }
    }

    public static Task RunAsync(Func<CancellationToken, Task> call, TimeSpan limit, string what, CancellationToken ct) =>
        RunAsync(async token =>
        {
            await call(token);
            return true;
        }, limit, what, ct);

    /// <summary>Disposes a channel or connection without waiting longer than <paramref name="limit"/>; failures are ignored.</summary>
    public static async Task DisposeQuietlyAsync(IAsyncDisposable? disposable, TimeSpan limit)
    {
        if (disposable is null)
        {
            return;
        }

        try
        {
            await disposable.DisposeAsync().AsTask().WaitAsync(limit);
        }
        catch (Exception)
        {
            // A dead channel or connection: nothing more to release from here.
        }
    }
}
