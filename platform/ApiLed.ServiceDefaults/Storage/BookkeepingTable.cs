namespace ApiLed.ServiceDefaults.Storage;

/// <summary>
/// A table of rows only kept for a while (idempotent answers, handled message ids, callbacks held early, cancels that
/// came before their saga): <see cref="StoreHousekeeping"/> deletes its rows whose <paramref name="Column"/> (a store
/// timestamp) is older than <c>Store:BookkeepingRetention</c>. A service registers its own besides the shared ones.
/// </summary>
public sealed record BookkeepingTable(string Table, string Column);
