namespace ApiLed.ProcessApi.Apis;

/// <summary>One minute of one mode: sagas started in it, and those that ended in it by outcome (parked = needs-attention).</summary>
public sealed record MinuteStats(DateTimeOffset Minute, string Mode, int Started, int Completed, int Failed, int Cancelled, int Parked);
