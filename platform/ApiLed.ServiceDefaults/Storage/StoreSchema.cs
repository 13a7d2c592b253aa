namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// A part of a store's schema with its versions (the outbox, the sagas, the stock…), recorded in the store's
/// <c>schema_versions</c> table; <see cref="StoreDatabase.MigrateAsync"/> applies the versions a store has not seen.
/// </summary>
public sealed record StoreSchema(string Component, IReadOnlyList<StoreMigration> Migrations)
{
    /// <summary>A part with a single version.</summary>
    public static StoreSchema Of(string component, string sql, IReadOnlyList<StoreColumn>? repairs = null) =>
        new(component, [new StoreMigration(1, sql, repairs)]);

    /// <summary>The version a store reaches once migrated.</summary>
    public int Latest => Migrations.Count == 0 ? 0 : Migrations.Max(m => m.Version);
}
