using System.Data.Common;
using System.Runtime.CompilerServices;
using Npgsql;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// The PostgreSQL side of <see cref="StoreCommands"/> and of <see cref="StoreOptions"/>' validation: the places outside
/// <see cref="PostgresDatabase"/> that name Npgsql's types. Kept apart and never inlined, so that the JIT compiling
/// their callers does not load Npgsql, and a service on SQLite never does (about 1 MB of RSS each).
/// </summary>
internal static class PostgresCommands
{
    /// <summary>A new command with the SQL translated (<see cref="PostgresSql"/>) and a parameter for each name.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DbCommand Create(DbConnection connection, string sql, DbTransaction? transaction, (string Name, object? Value)[] parameters)
    {
        var command = ((NpgsqlConnection)connection).CreateCommand();
        command.CommandText = PostgresSql.Translate(sql);
        command.Transaction = (NpgsqlTransaction?)transaction;
        foreach (var (name, value) in parameters)
        {
            // A null is text: every nullable column is, and "$p IS NULL" needs a type PostgreSQL cannot infer.
            command.Parameters.Add(value is null
                ? new NpgsqlParameter(name[1..], NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value }
                : new NpgsqlParameter(name[1..], StoreCommands.ParameterValue(value)));
        }

        return command;
    }

    /// <summary>The database an Npgsql connection string names; <see cref="ArgumentException"/> when it is not one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string? DatabaseOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database;
}
