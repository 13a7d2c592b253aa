namespace ApiLed.ServiceDefaults.Storage;

/// <summary>The database engine a service's store runs on (setting <c>Store:Engine</c>).</summary>
public enum StoreEngine
{
    /// <summary>An embedded SQLite file (<c>Store:Path</c>): the default, one instance of the service per file.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<c>Store:ConnectionString</c>): for several instances of a service, or an operated server.</summary>
    Postgres,
}
