namespace ApiLed.Messaging;

/// <summary>Handles the messages of one queue.</summary>
public interface IMessageHandler
{
    Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct);
}
