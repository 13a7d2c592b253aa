using ApiLed.LayerRunner;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>
/// Where a fixture's services keep their stores: a SQLite file each in the fixture's temp folder (the default), or,
/// with <c>APILED_TEST_STORE=postgres</c>, a PostgreSQL database each on the server of <c>APILED_POSTGRES_URL</c>
/// (test.sh starts one), created for the fixture and dropped with it.
/// </summary>
public sealed class TestStores(string dataFolder) : IAsyncDisposable
{
    private readonly string prefix = "apiled_t" + Guid.NewGuid().ToString("N")[..12];
    private bool created;

    /// <summary>Whether this run keeps the stores on PostgreSQL.</summary>
    public static bool OnPostgres => Environment.GetEnvironmentVariable("APILED_TEST_STORE") is "postgres";

    /// <summary>Connection string of a role that may create databases, without a database.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("APILED_POSTGRES_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("APILED_TEST_STORE=postgres needs APILED_POSTGRES_URL (test.sh sets both).");

    /// <summary>Creates the stores named <paramref name="names"/> (PostgreSQL databases; SQLite files are created by the services).</summary>
    public async Task CreateAsync(IEnumerable<string> names, CancellationToken ct = default)
    {
        if (!OnPostgres)
        {
            return;
        }

        created = true; // dropped by their prefix: those made before a failure here too
        await PostgresDatabases.CreateAsync(ServerConnectionString, prefix, names, ct);
    }

    /// <summary>Sets the <c>Store__…</c> variables of a service whose store is <paramref name="name"/>.</summary>
    public void Configure(IDictionary<string, string?> environment, string name)
    {
        if (OnPostgres)
        {
            environment["Store__Engine"] = "Postgres";
            environment["Store__ConnectionString"] = ConnectionStringOf(name);
        }
        else
        {
            environment["Store__Path"] = Path.Combine(dataFolder, name, name + ".db");
        }
    }

    /// <summary>The connection string of store <paramref name="name"/> (PostgreSQL only).</summary>
    public string ConnectionStringOf(string name) => PostgresDatabases.ConnectionString(ServerConnectionString, $"{prefix}_{name}");

    public async ValueTask DisposeAsync()
    {
        if (created)
        {
            await PostgresDatabases.DropAsync(ServerConnectionString, prefix);
            created = false;
        }
    }
}
