using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// Thin, explicit ADO.NET helpers: SQL and named parameters in, rows out, on either engine. SQL is written in SQLite's
/// dialect with <c>$name</c> parameters; on a PostgreSQL connection it is translated once per text (<see cref="PostgresSql"/>).
/// A <see cref="bool"/> parameter is stored as 0 or 1 on both engines; a null one is text (every nullable column is).
/// </summary>
public static class StoreCommands
{
    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction,
        CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var (command, owned) = Create(connection, sql, transaction, parameters);
        try
        {
            return await command.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await ReleaseAsync(command, owned);
        }
    }

    public static async Task<T?> ScalarAsync<T>(this DbConnection connection, string sql, DbTransaction? transaction,
        CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var (command, owned) = Create(connection, sql, transaction, parameters);
        try
        {
            var value = await command.ExecuteScalarAsync(ct);
            return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), null);
        }
        finally
        {
            await ReleaseAsync(command, owned);
        }
    }

    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, string sql, Func<DbDataReader, T> map,
        DbTransaction? transaction, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var (command, owned) = Create(connection, sql, transaction, parameters);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<T>();
            while (await reader.ReadAsync(ct))
            {
                rows.Add(map(reader));
            }

            return rows;
        }
        finally
        {
            await ReleaseAsync(command, owned);
        }
    }

    public static async Task<T?> QuerySingleOrDefaultAsync<T>(this DbConnection connection, string sql,
        Func<DbDataReader, T> map, DbTransaction? transaction, CancellationToken ct,
        params (string Name, object? Value)[] parameters) where T : class
    {
        var rows = await connection.QueryAsync(sql, map, transaction, ct, parameters);
        return rows.Count == 0 ? null : rows[0];
    }

    public static string? GetNullableString(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    /// <summary>An integer column as <see cref="int"/>, whatever width the engine gives it (a PostgreSQL <c>COUNT</c> is 64-bit).</summary>
    public static int GetInt(this DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An integer column as <see cref="long"/>, whatever width the engine gives it.</summary>
    public static long GetLong(this DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset GetTimestamp(this DbDataReader reader, string column) =>
        DateTimeOffset.Parse(reader.GetString(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The round-trip text form every table uses for timestamps.</summary>
    public static string ToStoreText(this DateTimeOffset value) => value.UtcDateTime.ToString("O");

    /// <summary>
    /// The command to run: the connection's prepared one when it keeps <see cref="PreparedStatements"/> (not owned), else
    /// a new one (PostgreSQL connections prepare their frequent statements themselves: <c>Max Auto Prepare</c>).
    /// </summary>
    private static (DbCommand Command, bool Owned) Create(DbConnection connection, string sql, DbTransaction? transaction,
        (string Name, object? Value)[] parameters)
    {
        if (connection is not SqliteConnection sqlite)
        {
            return (PostgresCommands.Create(connection, sql, transaction, parameters), true);
        }

        var prepared = PreparedStatements.Of(sqlite)?.Get(sql);
        var sqliteCommand = prepared ?? sqlite.CreateCommand();
        sqliteCommand.CommandText = sql;
        sqliteCommand.Transaction = (SqliteTransaction?)transaction;
        foreach (var (name, value) in parameters)
        {
            sqliteCommand.Parameters.AddWithValue(name, ParameterValue(value));
        }

        return (sqliteCommand, prepared is null);
    }

    /// <summary>A parameter's value as stored: null as <see cref="DBNull"/>, a <see cref="bool"/> as 0 or 1.</summary>
    internal static object ParameterValue(object? value) => value switch
    {
        null => DBNull.Value,
        bool flag => flag ? 1L : 0L,
        _ => value,
    };

    private static ValueTask ReleaseAsync(DbCommand command, bool owned) => owned ? command.DisposeAsync() : ValueTask.CompletedTask;
}
