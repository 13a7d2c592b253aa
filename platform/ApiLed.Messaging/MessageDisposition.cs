namespace ApiLed.Messaging;

/// <summary>What a handler decided about a message.</summary>
public enum MessageDisposition
{
    /// <summary>Done (or a repeat of one already done): acknowledge.</summary>
    Ack,

    /// <summary>A passing fault: return it to the queue; past the delivery limit the broker dead-letters it.</summary>
    Retry,

    /// <summary>It can never be handled (malformed, unknown type): straight to the dead-letter queue.</summary>
    DeadLetter,
}
