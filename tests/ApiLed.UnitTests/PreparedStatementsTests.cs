using ApiLed.ServiceDefaults.Storage;
using Microsoft.Data.Sqlite;

namespace ApiLed.UnitTests;

/// <summary>
/// A connection with <see cref="PreparedStatements"/> runs a statement it ran before with the command it prepared then,
/// bound to the new parameters and the current transaction; past its capacity it still runs every statement; a
/// connection without one prepares each time; and disposing the cache detaches it.
/// </summary>
public sealed class PreparedStatementsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-prepared-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "store.db")};Pooling=False");
        await connection.OpenAsync();
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);", null, CancellationToken.None);
        return connection;
    }

    [Fact]
    public async Task A_statement_run_again_reuses_its_prepared_command_with_new_parameters_and_transaction()
    {
        await using var connection = await OpenAsync();
        using var statements = PreparedStatements.AttachTo(connection);

        for (var round = 0; round < 3; round++)
        {
            await using var transaction = connection.BeginTransaction();
            for (var i = 0; i < 5; i++)
            {
                var id = round * 10 + i;
                await connection.ExecuteAsync("INSERT INTO items (id, name) VALUES ($id, $name)", transaction, CancellationToken.None,
                    ("$id", id), ("$name", $"item {id}"));
            }

            await transaction.CommitAsync();
        }

        var names = await connection.QueryAsync("SELECT name FROM items WHERE id >= $from ORDER BY id", r => r.GetString(0), null,
            CancellationToken.None, ("$from", 20));
        var again = await connection.QueryAsync("SELECT name FROM items WHERE id >= $from ORDER BY id", r => r.GetString(0), null,
            CancellationToken.None, ("$from", 23));

        Assert.Equal(["item 20", "item 21", "item 22", "item 23", "item 24"], names);
        Assert.Equal(["item 23", "item 24"], again);
        Assert.Equal(2, statements.Count); // the INSERT and the SELECT, once each (the CREATE ran before the cache was attached)
        Assert.Same(statements.Get("SELECT name FROM items WHERE id >= $from ORDER BY id"),
            statements.Get("SELECT name FROM items WHERE id >= $from ORDER BY id"));
    }

    [Fact]
    public async Task Past_its_capacity_every_statement_still_runs_and_a_failed_one_leaves_the_command_usable()
    {
        await using var connection = await OpenAsync();
        using var statements = PreparedStatements.AttachTo(connection);

        for (var i = 0; i < PreparedStatements.Capacity + 20; i++)
        {
            await connection.ExecuteAsync($"INSERT INTO items (id, name) VALUES ($id, 'n{i}')", null, CancellationToken.None, ("$id", i));
        }

        Assert.Equal(PreparedStatements.Capacity, statements.Count);
        Assert.Equal(PreparedStatements.Capacity + 20L, await connection.ScalarAsync<long>("SELECT count(*) FROM items", null, CancellationToken.None));

        const string insert = "INSERT INTO items (id, name) VALUES ($id, $name)";
        statements.Dispose();
        using var fresh = PreparedStatements.AttachTo(connection);
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(insert, null, CancellationToken.None, ("$id", 0), ("$name", "duplicate")));
        await connection.ExecuteAsync(insert, null, CancellationToken.None, ("$id", 100_000), ("$name", "after the failure"));
        Assert.Equal("after the failure", await connection.ScalarAsync<string>("SELECT name FROM items WHERE id = 100000", null, CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_the_cache_detaches_it_from_the_connection()
    {
        await using var connection = await OpenAsync();
        var statements = PreparedStatements.AttachTo(connection);
        Assert.Same(statements, PreparedStatements.Of(connection));

        statements.Dispose();

        Assert.Null(PreparedStatements.Of(connection));
        Assert.Equal(0L, await connection.ScalarAsync<long>("SELECT count(*) FROM items", null, CancellationToken.None));
    }
}
