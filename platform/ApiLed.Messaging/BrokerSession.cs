namespace ApiLed.Messaging;

/// <summary>
/// The reconnect loop every long-lived broker user shares (the outbox relay, each queue consumer): run a session
/// on a fresh channel until it ends or fails; after a failure wait with capped exponential backoff, and start
/// again, until the host stops. The session calls <c>connected</c> once it is up, which resets the backoff.
/// </summary>
public static class BrokerSession
{
    public static async Task RunAsync(Func<Action, CancellationToken, Task> session, Func<Exception, TimeSpan, Task> onFailure,
        TimeSpan maxDelay, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await session(() => failures = 0, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(maxDelay.TotalMilliseconds, 250 * Math.Pow(2, failures)));
                await onFailure(ex, delay);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }
}
