namespace ApiLed.Chaos;

/// <summary>A fault as it was injected: when (from the start of the load), what, and whether the layer came back.</summary>
internal sealed record FaultRecord(string Name, string Detail, TimeSpan Start, TimeSpan End, string? Error);
