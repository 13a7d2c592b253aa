using ApiLed.IntegrationTests.Infrastructure;

namespace ApiLed.IntegrationTests;

/// <summary>
/// Two instances of each system API, and so two participants on each choreography queue, on one PostgreSQL store per
/// system (test.sh's PostgreSQL pass), choreographed: the participants share each queue's events, and when one inventory
/// instance is killed under load the other takes the events it held. Every order ends completed once, with one
/// reservation, one charge and one shipment: an event handled twice is absorbed by the shared inbox and idempotency keys.
/// </summary>
public sealed class ParticipantInstancesTests(ParticipantInstancesTests.Choreographed layer) : IClassFixture<ParticipantInstancesTests.Choreographed>
{
    public sealed class Choreographed() : TwoInstancesOfEachSystem("order-fulfillment-choreographed", billingBehindWireMock: false);

    [Fact]
    public async Task Participants_share_their_queue_and_orders_end_once_when_one_instance_is_killed_under_load()
    {
        await layer.OrdersEndOnceWhenTheFirstInventoryDiesAsync();

        // Both billing participants take their events from the one queue: each instance is a consumer of it.
        Assert.Equal(2u, await layer.Broker.ConsumerCountAsync("billing.choreography"));
    }
}
