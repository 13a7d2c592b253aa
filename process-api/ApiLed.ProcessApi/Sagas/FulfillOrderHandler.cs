using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Sagas;

/// <summary>
/// Consumes <c>order.fulfill</c> commands: creates the order's saga on the flow in force (once: a repeated
/// command finds the saga by order id) and publishes <c>order.processing</c>; an orchestrated saga is then run to a
/// terminal status here, a choreographed one is left to the participants. Then it acknowledges. A message that is not
/// a valid command goes to the dead-letter queue.
/// </summary>
public sealed class FulfillOrderHandler(FlowCatalog flows, SagaStore store, SagaRunner runner, TimeProvider time,
    ILogger<FulfillOrderHandler> logger) : IMessageHandler
{
    public async Task<MessageDisposition> HandleAsync(IncomingMessage message, CancellationToken ct)
    {
        if (message.Type != MessageTypes.FulfillOrderV1)
        {
            logger.LogError("Message {MessageId} has type '{Type}', not {Expected}; dead-lettering it", message.MessageId, message.Type, MessageTypes.FulfillOrderV1);
            return MessageDisposition.DeadLetter;
        }

        var command = message.Deserialize<FulfillOrderCommand>();
        if (string.IsNullOrWhiteSpace(command.OrderId) || command.Lines is not { Count: > 0 } || command.ShipTo is null
            || string.IsNullOrWhiteSpace(command.PaymentReference) || command.TotalCents <= 0)
        {
            logger.LogError("Command {MessageId} is incomplete (order id, lines, ship-to, payment and total are required); dead-lettering it", message.MessageId);
            return MessageDisposition.DeadLetter;
        }

        var (flowName, definition) = flows.OrderFlow;
        var fresh = SagaState.Start(command, flowName, definition, message.CorrelationId, time.GetUtcNow());
        var (saga, created) = await store.StartAsync(fresh, [SagaTransitions.Event(fresh, OrderEvents.Processing, 1)], ct);
        if (!created)
        {
            logger.LogInformation("Command {MessageId} repeats order {OrderId}, whose saga is {Status}", message.MessageId, saga.OrderId, saga.Status);
        }

        // A choreographed saga is advanced by the participants reacting to order.processing; only orchestrated ones run here.
        if (!SagaStatuses.IsTerminal(saga.Status) && saga.Definition.Mode != FlowModes.Choreography)
        {
            await runner.TryRunAsync(saga.OrderId, ct);
        }

        return MessageDisposition.Ack;
    }
}
