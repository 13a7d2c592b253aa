namespace ApiLed.Messaging;

/// <summary>A queue this service consumes (registered with its consumer), whose depth it reports.</summary>
public sealed record ConsumedQueue(QueueSpec Spec);
