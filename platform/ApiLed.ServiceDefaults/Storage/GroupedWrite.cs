using System.Data.Common;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>A write waiting for <see cref="StoreDatabase"/>'s group commit.</summary>
internal interface IGroupedWrite
{
    CancellationToken Cancellation { get; }

    /// <summary>Whether the caller has had its answer (a write that failed alone, or was cancelled).</summary>
    bool Answered { get; }

    /// <summary>Runs the write in the batch's transaction, in its caller's execution context.</summary>
    Task RunAsync(DbConnection connection, DbTransaction transaction);

    /// <summary>The batch committed: the caller gets the write's result.</summary>
    void Succeed();

    void Fail(Exception error);

    void Cancel();
}

/// <inheritdoc cref="IGroupedWrite"/>
internal sealed class GroupedWrite<T>(Func<DbConnection, DbTransaction, Task<T>> work, ExecutionContext? context, CancellationToken ct)
    : IGroupedWrite
{
    private T? result;

    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationToken Cancellation => ct;

    public bool Answered => Completion.Task.IsCompleted;

    public async Task RunAsync(DbConnection connection, DbTransaction transaction)
    {
        Task<T>? running = null;
        if (context is null)
        {
            running = work(connection, transaction);
        }
        else
        {
            // Started inside the caller's context: the write's awaits capture it and continue in it.
            ExecutionContext.Run(context, _ => running = work(connection, transaction), null);
        }

        result = await running!;
    }

    public void Succeed() => Completion.TrySetResult(result!);

    public void Fail(Exception error) => Completion.TrySetException(error);

    public void Cancel() => Completion.TrySetCanceled(ct);
}
