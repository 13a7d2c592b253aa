using System.Text;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;

namespace ApiLed.UnitTests;

/// <summary>
/// A saga event's body is the saga serialized once, when the event is made: the outbox row and the published body carry
/// that JSON as it is, and a later change to the saga is in neither.
/// </summary>
public sealed class SerializedJsonTests
{
    [Fact]
    public async Task An_events_body_is_the_saga_as_the_event_left_it_in_the_outbox_and_in_the_publish()
    {
        using var temp = new TempSagaStore("apiled-serialized-");
        var saga = Saga();
        var message = SagaTransitions.Event(saga, OrderEvents.Processing, 1);
        saga.Status = SagaStatuses.Compensating; // after the event was made

        await temp.Store.StartAsync(saga, [message], CancellationToken.None);

        var row = Assert.Single(await temp.Outbox.PendingAsync(10, CancellationToken.None));
        var published = BrokerMessage.From(message, DateTimeOffset.UtcNow);
        Assert.Equal(row.Body, Encoding.UTF8.GetString(published.Body.Span));
        var sent = JsonSerializer.Deserialize<SagaState>(row.Body, JsonSerializerOptions.Web)!;
        Assert.Equal(SagaStatuses.Running, sent.Status);
        Assert.Equal(1, sent.Version);
        Assert.Equal(saga.Definition.Steps.Select(s => s.Name), sent.Definition.Steps.Select(s => s.Name));
        Assert.Equal(saga.OrderId, sent.OrderId);
    }

    [Fact]
    public void A_serialized_body_is_written_as_it_is_inside_other_json()
    {
        var body = SerializedJson.Of(new { orderId = "o-1", lines = new[] { 1, 2 } });

        var json = JsonSerializer.Serialize(new { data = (object)body }, JsonSerializerOptions.Web);

        Assert.Equal("""{"data":{"orderId":"o-1","lines":[1,2]}}""", json);
        Assert.Equal("o-1", body.Read<JsonElement>().GetProperty("orderId").GetString());
    }

    private static SagaState Saga()
    {
        var flow = new FlowDefinition
        {
            Mode = FlowModes.Hybrid,
            Steps = [new StepDefinition { Name = "reserve-inventory", Operation = "inventory.reserve", Compensation = "inventory.release" }],
        };
        var order = new FulfillOrderCommand("ord-s", "p", "c", [new PricedOrderLine("SKU-A", 1, 500)], 500, "EUR", "card",
            new ShippingAddress("A", "B", "C", "D", "GB"), DateTimeOffset.UtcNow);
        return SagaState.Start(order, "flow", flow, null, DateTimeOffset.UtcNow);
    }
}
