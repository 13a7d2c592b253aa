using System.ComponentModel.DataAnnotations;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>Settings of a service's own store (section <c>Store</c>).</summary>
public sealed record StoreOptions : IValidatableObject
{
    public const string Section = "Store";

    /// <summary><c>Sqlite</c> (the default) or <c>Postgres</c>.</summary>
    public StoreEngine Engine { get; init; } = StoreEngine.Sqlite;

    /// <summary>Path of the SQLite file (engine <c>Sqlite</c>); its folder is created when missing.</summary>
    public string Path { get; init; } = "";

    /// <summary>
    /// Npgsql connection string of the service's own database (engine <c>Postgres</c>), e.g.
    /// <c>Host=127.0.0.1;Port=5433;Username=postgres;Database=apiled_inventory</c>. The database must exist; the
    /// service creates its tables.
    /// </summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>How long stored idempotent answers and handled message ids are kept.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan BookkeepingRetention { get; init; } = TimeSpan.FromDays(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Engine == StoreEngine.Sqlite && string.IsNullOrWhiteSpace(Path))
        {
            yield return new ValidationResult("The SQLite store needs the path of its file (Store:Path).", [nameof(Path)]);
        }

        if (Engine == StoreEngine.Postgres)
        {
            if (string.IsNullOrWhiteSpace(ConnectionString))
            {
                yield return new ValidationResult("The PostgreSQL store needs a connection string naming its database (Store:ConnectionString).",
                    [nameof(ConnectionString)]);
            }
            else
            {
                string? database = null;
                string? problem = null;
                try
                {
                    database = PostgresCommands.DatabaseOf(ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    problem = ex.Message;
                }

                if (problem is not null)
                {
                    yield return new ValidationResult($"It is not an Npgsql connection string: {problem}", [nameof(ConnectionString)]);
                }
                else if (string.IsNullOrWhiteSpace(database))
                {
                    yield return new ValidationResult("It names no database (add Database=...): each service keeps its own.", [nameof(ConnectionString)]);
                }
            }
        }
    }
}
