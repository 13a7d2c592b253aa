using ApiLed.ServiceDefaults.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>
/// Writes that queue while one commits are committed together, each inside its own savepoint: a write that fails is
/// rolled back alone, the others commit, and every caller hears only once its write is committed (or refused).
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private static readonly AsyncLocal<string?> Caller = new();
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-group-commit-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task<SqliteDatabase> DatabaseAsync()
    {
        var database = new SqliteDatabase(Options.Create(new StoreOptions { Path = Path.Combine(folder, "store.db") }), TimeProvider.System);
        await database.MigrateAsync([StoreSchema.Of("items", "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, caller TEXT NOT NULL);")], CancellationToken.None);
        return database;
    }

    [Fact]
    public async Task Concurrent_writes_are_all_committed_and_a_failing_one_is_rolled_back_alone()
    {
        using var database = await DatabaseAsync();

        var writes = Enumerable.Range(0, 200).Select(i => Task.Run(() => database.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("INSERT INTO items (id, caller) VALUES ($id, 'w')", tx, CancellationToken.None, ("$id", i));
            if (i % 10 == 3)
            {
                throw new InvalidOperationException($"write {i} refused after its insert");
            }

            return i;
        }, CancellationToken.None))).ToList();

        foreach (var (write, i) in writes.Select((w, i) => (w, i)))
        {
            if (i % 10 == 3)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => write);
                Assert.Contains($"write {i} refused", error.Message);
            }
            else
            {
                Assert.Equal(i, await write);
            }
        }

        var stored = await database.ReadAsync(c => c.QueryAsync("SELECT id FROM items ORDER BY id", r => r.GetInt32(0), null, CancellationToken.None),
            CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 200).Where(i => i % 10 != 3), stored);
    }

    [Fact]
    public async Task Writes_queued_while_one_is_committing_are_committed_together()
    {
        using var database = await DatabaseAsync();
        var commits = 0;
        database.Committed += () => Interlocked.Increment(ref commits);
        var gate = new TaskCompletionSource();
        var first = database.WriteAsync(async (c, tx) =>
        {
            await gate.Task;
            return await c.ExecuteAsync("INSERT INTO items (id, caller) VALUES (0, 'first')", tx, CancellationToken.None);
        }, CancellationToken.None);
        var queued = Enumerable.Range(1, 10).Select(i => database.WriteAsync((c, tx) =>
            c.ExecuteAsync("INSERT INTO items (id, caller) VALUES ($id, 'queued')", tx, CancellationToken.None, ("$id", i)), CancellationToken.None)).ToList();

        gate.SetResult();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal(11, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM items", null, CancellationToken.None), CancellationToken.None));
        Assert.InRange(commits, 1, 2); // the first write's batch, and at most one more for all that queued behind it
    }

    [Fact]
    public async Task A_write_sees_the_writes_queued_before_it_and_runs_in_its_callers_context()
    {
        using var database = await DatabaseAsync();
        var seen = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            Caller.Value = "caller-" + i;
            return await database.WriteAsync(async (c, tx) =>
            {
                await Task.Yield();
                await c.ExecuteAsync("INSERT INTO items (id, caller) VALUES ($id, $caller)", tx, CancellationToken.None, ("$id", i), ("$caller", Caller.Value));
                return (Caller.Value, Count: await c.ScalarAsync<long>("SELECT COUNT(*) FROM items", tx, CancellationToken.None));
            }, CancellationToken.None);
        })));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => "caller-" + i), seen.Select(s => s.Value));
        Assert.Equal(Enumerable.Range(1, 50).Select(n => (long)n), seen.Select(s => s.Count).Order());
    }

    [Fact]
    public async Task A_write_cancelled_before_its_turn_is_not_run()
    {
        using var database = await DatabaseAsync();
        using var cancelled = new CancellationTokenSource();
        var gate = new TaskCompletionSource();
        var first = database.WriteAsync(async (c, tx) => { await gate.Task; return 1; }, CancellationToken.None);
        var second = database.WriteAsync(async (c, tx) =>
            await c.ExecuteAsync("INSERT INTO items (id, caller) VALUES (1, 'cancelled')", tx, CancellationToken.None), cancelled.Token);

        await cancelled.CancelAsync();
        gate.SetResult();

        Assert.Equal(1, await first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Equal(0, await database.ReadAsync(c => c.ScalarAsync<long>("SELECT COUNT(*) FROM items", null, CancellationToken.None), CancellationToken.None));
    }
}
