using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// The prepared statements of one long-lived connection (a store's writer), by SQL text: a statement run again is
/// bound and stepped, not parsed and planned again (under load `perf` put 18–20 % of the process and experience APIs'
/// CPU in SQLite, its parser and planner among the largest parts).
/// Bounded: past <see cref="Capacity"/> texts, further ones are prepared per use, as on any other connection. Used by
/// one caller at a time, as the writer is.
/// </summary>
public sealed class PreparedStatements : IDisposable
{
    public const int Capacity = 256;

    private static readonly ConditionalWeakTable<SqliteConnection, PreparedStatements> Attached = new();
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);
    private readonly SqliteConnection connection;

    private PreparedStatements(SqliteConnection connection) => this.connection = connection;

    /// <summary>Keeps the statements <paramref name="connection"/> runs from now on, until the returned cache is disposed.</summary>
    public static PreparedStatements AttachTo(SqliteConnection connection)
    {
        var statements = new PreparedStatements(connection);
        Attached.AddOrUpdate(connection, statements);
        return statements;
    }

    /// <summary>The cache attached to <paramref name="connection"/>, if any.</summary>
    public static PreparedStatements? Of(SqliteConnection connection) => Attached.TryGetValue(connection, out var statements) ? statements : null;

    public int Count => commands.Count;

    /// <summary>The command for <paramref name="sql"/>, without parameters, prepared on its first run; null when the cache is full.</summary>
    public SqliteCommand? Get(string sql)
    {
        if (commands.TryGetValue(sql, out var command))
        {
            command.Parameters.Clear();
            return command;
        }

        if (commands.Count >= Capacity)
        {
            return null;
        }

        command = connection.CreateCommand();
        command.CommandText = sql;
        commands.Add(sql, command);
        return command;
    }

    public void Dispose()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        Attached.Remove(connection);
    }
}
