using Npgsql;

namespace ApiLed.LayerRunner;

/// <summary>The databases a run creates on a PostgreSQL server for its services' stores, and drops at its end.</summary>
public static class PostgresDatabases
{
    public static async Task CreateAsync(string server, string prefix, IEnumerable<string> names, CancellationToken ct)
    {
        await using var admin = await OpenAsync(server, ct);
        foreach (var name in names)
        {
            await using var command = new NpgsqlCommand(
                $"CREATE DATABASE \"{prefix}_{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", admin);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public static async Task DropAsync(string server, string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var admin = await OpenAsync(server, timeout.Token);
        var names = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE $1", admin))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = prefix + "\\_%" });
            await using var reader = await list.ExecuteReaderAsync(timeout.Token);
            while (await reader.ReadAsync(timeout.Token))
            {
                names.Add(reader.GetString(0));
            }
        }

        foreach (var name in names)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(timeout.Token);
        }
    }

    public static string ConnectionString(string server, string database) =>
        new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;

    /// <summary>Host, port and user, never a password.</summary>
    public static string Describe(string server)
    {
        var builder = new NpgsqlConnectionStringBuilder(server);
        return $"{builder.Host}:{builder.Port} as {builder.Username}";
    }

    private static async Task<NpgsqlConnection> OpenAsync(string server, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}
