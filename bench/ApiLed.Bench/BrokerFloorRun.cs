using System.Diagnostics;
using ApiLed.LayerRunner;
using ApiLed.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ApiLed.Bench;

/// <summary>
/// The broker's floor (<c>broker</c>): what one message costs RabbitMQ alone, the way ApiLed sends every message
/// (persistent, to a quorum queue, publisher confirms; consumed at a prefetch and acknowledged one by one), at a few
/// sizes and depths of publishes in flight, on a node of its own. No service runs: it is the part of the layer's CPU
/// per order that no change to ApiLed's code can take off the broker, for the number of messages an order sends.
/// </summary>
public static class BrokerFloorRun
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static Task<int> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct) =>
        RunFolder.UseAsync("broker-floor", options.KeepData, say, async folder =>
        {
            say("starting a RabbitMQ node of its own...");
            await using var node = await RabbitMqNode.StartAsync(Path.Combine(folder, "rabbitmq"), ct);
            var beam = node.ProcessId ?? throw new InvalidOperationException("The broker's process id is not known.");
            var factory = new ConnectionFactory { Uri = new Uri(node.AmqpUrl), RequestedConnectionTimeout = Bound };
            var connection = await BoundedBrokerCall.RunAsync(factory.CreateConnectionAsync, Bound, "Opening the connection", ct);
            try
            {
                return await MeasureAllAsync(connection, beam, options, say, ct);
            }
            finally
            {
                await BoundedBrokerCall.DisposeQuietlyAsync(connection, Bound); // its channels with it
            }
        });

    private static async Task<int> MeasureAllAsync(IConnection connection, int beam, BenchOptions options, Action<string> say, CancellationToken ct)
    {
        var rows = new List<string>();
        foreach (var size in options.MessageSizes)
        {
            foreach (var inFlight in options.InFlight)
            {
                await MeasureAsync(connection, beam, size, inFlight, options.Prefetch, Math.Min(2000, options.Messages), ct); // warm-up, not counted
                var (perSecond, brokerMicros, benchMicros) = await MeasureAsync(connection, beam, size, inFlight, options.Prefetch, options.Messages, ct);
                say($"  {size} bytes, {inFlight} in flight: {perSecond:F0} messages/s, broker {brokerMicros:F0} µs CPU a message");
                rows.Add($"| {size} | {inFlight} | {options.Prefetch} | {perSecond:F0} | {brokerMicros:F0} | {benchMicros:F0} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"RabbitMQ's floor, {DateTime.Now:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {options.Messages} messages per row: " +
                          "persistent, quorum queue, confirmed, consumed and acknowledged one by one");
        Console.WriteLine();
        Console.WriteLine("| bytes | publishes in flight | prefetch | messages/s | broker CPU µs a message | client CPU µs a message |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<(double PerSecond, double BrokerMicros, double BenchMicros)> MeasureAsync(
        IConnection connection, int beam, int size, int inFlight, ushort prefetch, int messages, CancellationToken ct)
    {
        var queue = $"bench-floor-{Guid.NewGuid():N}";
        var publisher = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(new CreateChannelOptions(true, true), token),
            Bound, "Opening the publishing channel", ct);
        var consumer = await BoundedBrokerCall.RunAsync(token => connection.CreateChannelAsync(cancellationToken: token),
            Bound, "Opening the consuming channel", ct);
        try
        {
            await BoundedBrokerCall.RunAsync(token => publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: token), Bound, $"Declaring {queue}", ct);
            await BoundedBrokerCall.RunAsync(token => consumer.BasicQosAsync(0, prefetch, false, token), Bound, "Setting the prefetch", ct);
            var measured = await PublishAndConsumeAsync(publisher, consumer, queue, beam, size, inFlight, messages, ct);
            await BoundedBrokerCall.RunAsync(token => publisher.QueueDeleteAsync(queue, cancellationToken: token), Bound, $"Deleting {queue}", ct);
            return measured;
        }
        finally
        {
            await BoundedBrokerCall.DisposeQuietlyAsync(consumer, Bound);
            await BoundedBrokerCall.DisposeQuietlyAsync(publisher, Bound);
        }
    }

    private static async Task<(double PerSecond, double BrokerMicros, double BenchMicros)> PublishAndConsumeAsync(
        IChannel publisher, IChannel consumer, string queue, int beam, int size, int inFlight, int messages, CancellationToken ct)
    {
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new AsyncEventingBasicConsumer(consumer);
        handler.ReceivedAsync += async (_, delivery) =>
        {
            await consumer.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
            if (Interlocked.Increment(ref received) == messages)
            {
                all.TrySetResult();
            }
        };
        await BoundedBrokerCall.RunAsync(token => consumer.BasicConsumeAsync(queue, autoAck: false, handler, token), Bound, $"Consuming {queue}", ct);

        var body = new byte[size];
        Random.Shared.NextBytes(body);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var brokerBefore = ProcessCpu.CpuTime(beam)!.Value;
        var benchBefore = ProcessCpu.CpuTime(Environment.ProcessId)!.Value;
        var clock = Stopwatch.StartNew();
        var window = new List<Task>(inFlight);
        for (var i = 0; i < messages; i++)
        {
            window.Add(publisher.BasicPublishAsync("", queue, mandatory: false, properties, body, ct).AsTask());
            if (window.Count == inFlight)
            {
                await Task.WhenAll(window).WaitAsync(Bound, ct);
                window.Clear();
            }
        }

        await Task.WhenAll(window).WaitAsync(Bound, ct);
        await all.Task.WaitAsync(Bound, ct);
        var elapsed = clock.Elapsed;
        var broker = ProcessCpu.CpuTime(beam)!.Value - brokerBefore;
        var bench = ProcessCpu.CpuTime(Environment.ProcessId)!.Value - benchBefore;
        return (messages / elapsed.TotalSeconds, broker.TotalMicroseconds / messages, bench.TotalMicroseconds / messages);
    }
}
