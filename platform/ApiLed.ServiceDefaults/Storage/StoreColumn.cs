namespace ApiLed.ServiceDefaults.Storage;

/// <summary>A column a table may lack in a store written before schemas were versioned; added when missing.</summary>
public sealed record StoreColumn(string Table, string Column, string Definition);
