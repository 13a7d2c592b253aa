using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ApiLed.Bench;

/// <summary>
/// The experience API's read model, read straight from its store (its SQLite file, read-only, or its PostgreSQL
/// database), so that waiting for the orders to finish costs the layer no HTTP requests: how many of a run's orders are
/// terminal, and each one's times.
/// </summary>
public sealed class ReadModel(Func<DbConnection> open, string partnerId)
{
    /// <summary>The read model in a SQLite file.</summary>
    public static ReadModel OfSqlite(string databasePath, string partnerId) => new(() => new SqliteConnection(new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadOnly,
        Cache = SqliteCacheMode.Private,
    }.ToString()), partnerId);

    /// <summary>The read model in a PostgreSQL database.</summary>
    public static ReadModel OfPostgres(string connectionString, string partnerId) => new(() => new NpgsqlConnection(connectionString), partnerId);

    public sealed record OrderTimes(string Status, DateTimeOffset AcceptedAt, DateTimeOffset UpdatedAt);

    /// <summary>Waits until every one of the run's <paramref name="orders"/> is terminal; false on the timeout.</summary>
    public async Task<bool> WaitTerminalAsync(string run, int orders, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await CountTerminalAsync(run, ct) >= orders)
            {
                return true;
            }

            await Task.Delay(100, ct);
        }

        return false;
    }

    public async Task<long> CountTerminalAsync(string run, CancellationToken ct)
    {
        await using var connection = open();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FROM orders WHERE partner_id = @partner AND idempotency_key >= @from AND idempotency_key < @to
              AND status IN ('completed', 'failed', 'needs-attention')
            """;
        AddRun(command, run);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<List<OrderTimes>> TimesAsync(string run, CancellationToken ct)
    {
        await using var connection = open();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT status, accepted_at, updated_at FROM orders WHERE partner_id = @partner AND idempotency_key >= @from AND idempotency_key < @to
            """;
        AddRun(command, run);
        var times = new List<OrderTimes>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            times.Add(new OrderTimes(reader.GetString(0), Parse(reader.GetString(1)), Parse(reader.GetString(2))));
        }

        return times;
    }

    private void AddRun(DbCommand command, string run)
    {
        foreach (var (name, value) in new[] { ("partner", partnerId), ("from", run + "-"), ("to", run + ".") })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
