namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// One version of a part of a store's schema: the DDL that brings the version before it here (version 1 creates the
/// part, with <c>IF NOT EXISTS</c> so that a store written before versions were recorded is taken as it is) and the
/// columns such an unversioned store may lack (<paramref name="Repairs"/>, version 1 only). The DDL is written for
/// SQLite; <see cref="PostgresSql"/> translates it.
/// </summary>
public sealed record StoreMigration(int Version, string Sql, IReadOnlyList<StoreColumn>? Repairs = null);
