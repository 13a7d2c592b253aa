namespace ApiLed.Sagas;

/// <summary>Why a saga cannot be driven forward again: a problem type (<c>saga-not-parked</c>, <c>redrive-impossible</c>) and its detail.</summary>
public sealed record RedriveRefusal(string Type, string Detail);
