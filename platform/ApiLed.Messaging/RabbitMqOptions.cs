using System.ComponentModel.DataAnnotations;

namespace ApiLed.Messaging;

/// <summary>Broker settings (section <c>RabbitMq</c>; e.g. <c>RabbitMq__Url</c> in the environment).</summary>
public sealed record RabbitMqOptions : IValidatableObject
{
    public const string Section = "RabbitMq";

    /// <summary>AMQP URI including credentials and virtual host, e.g. <c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    [Required]
    public string Url { get; init; } = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// More nodes of the same RabbitMQ cluster (<c>host:port</c>, or <c>host</c> for 5672, or 5671 with amqps) besides the
    /// host of <see cref="Url"/>, whose credentials, virtual host and TLS apply to all: a connection is opened to any
    /// node that answers, so a client fails over when a node is down (quorum queues keep the messages on the others).
    /// </summary>
    public string[] Endpoints { get; init; } = [];

    /// <summary>Messages a consumer holds unacknowledged at once (also how many it handles in parallel).</summary>
    [Range(1, 1000)]
    public ushort Prefetch { get; init; } = 64;

    /// <summary>Deliveries of one message before the broker dead-letters it (quorum queue <c>x-delivery-limit</c>).</summary>
    [Range(1, 100)]
    public int DeliveryLimit { get; init; } = 10;

    /// <summary>Longest wait between reconnection attempts while the broker is away.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the outbox relay looks for rows when nothing woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan OutboxPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long published outbox rows are kept (for inspection) before the relay deletes them.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan OutboxRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Messages the relay keeps in flight awaiting publisher confirms.</summary>
    [Range(1, 10_000)]
    public int OutboxBatchSize { get; init; } = 64;

    /// <summary>Limit of one broker operation: opening or closing a connection or channel, a declare, an acknowledgement.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a batch of publishes may wait for its confirms before the channel is replaced and the batch retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A delivery still being handled after this long makes the service not ready, and is logged.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a service counts the messages waiting in the queues it consumes and in their dead-letter queues (the metrics).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan QueueSampleInterval { get; init; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            yield return new ValidationResult(
                $"'{Url}' is not an AMQP URI; use amqp://user:password@host:5672/vhost (or amqps://).", [nameof(Url)]);
        }

        foreach (var endpoint in Endpoints)
        {
            if (!Uri.TryCreate("amqp://" + endpoint, UriKind.Absolute, out var parsed) || parsed.AbsolutePath != "/" || parsed.UserInfo.Length > 0)
            {
                yield return new ValidationResult($"'{endpoint}' is not a host or host:port of a RabbitMQ node; give each other node of the cluster as host:port, e.g. rabbit2:5672.", [nameof(Endpoints)]);
            }
        }
    }
}
