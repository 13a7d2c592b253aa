namespace ApiLed.Messaging;

/// <summary>The broker did not confirm a publish in time, or refused it.</summary>
public sealed class BrokerPublishException(string message) : Exception(message);
