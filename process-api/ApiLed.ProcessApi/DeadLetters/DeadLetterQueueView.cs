namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>A queue of the layer and its dead-letter queue with the messages waiting there (null: could not be counted).</summary>
public sealed record DeadLetterQueueView(string Queue, string DeadLetterQueue, long? Messages);
