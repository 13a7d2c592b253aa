using Microsoft.Data.Sqlite;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>Thin, explicit ADO.NET helpers: SQL and named parameters in, rows out.</summary>
public static class SqliteCommands
{
    public static async Task<int> ExecuteAsync(this SqliteConnection connection, string sql, SqliteTransaction? transaction,
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

    public static async Task<T?> ScalarAsync<T>(this SqliteConnection connection, string sql, SqliteTransaction? transaction,
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

    public static async Task<List<T>> QueryAsync<T>(this SqliteConnection connection, string sql, Func<SqliteDataReader, T> map,
        SqliteTransaction? transaction, CancellationToken ct, params (string Name, object? Value)[] parameters)
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

    public static async Task<T?> QuerySingleOrDefaultAsync<T>(this SqliteConnection connection, string sql,
        Func<SqliteDataReader, T> map, SqliteTransaction? transaction, CancellationToken ct,
        params (string Name, object? Value)[] parameters) where T : class
    {
        var rows = await connection.QueryAsync(sql, map, transaction, ct, parameters);
        return rows.Count == 0 ? null : rows[0];
    }

    public static string? GetNullableString(this SqliteDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    public static DateTimeOffset GetTimestamp(this SqliteDataReader reader, string column) =>
        DateTimeOffset.Parse(reader.GetString(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The round-trip text form every table uses for timestamps.</summary>
    public static string ToStoreText(this DateTimeOffset value) => value.UtcDateTime.ToString("O");

    /// <summary>The command to run: the connection's prepared one when it keeps <see cref="PreparedStatements"/> (not owned), else a new one.</summary>
    private static (SqliteCommand Command, bool Owned) Create(SqliteConnection connection, string sql, SqliteTransaction? transaction,
        (string Name, object? Value)[] parameters)
    {
        var prepared = PreparedStatements.Of(connection)?.Get(sql);
        var command = prepared ?? connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return (command, prepared is null);
    }

    private static ValueTask ReleaseAsync(SqliteCommand command, bool owned) => owned ? command.DisposeAsync() : ValueTask.CompletedTask;
}
