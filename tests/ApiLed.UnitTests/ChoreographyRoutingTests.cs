using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>
/// An event of a choreographed saga is also routed to the tracker and to the one participant whose turn it is; events
/// of orchestrated and hybrid sagas, and of sagas the process API took over, reach no participant.
/// </summary>
public sealed class ChoreographyRoutingTests
{
    [Fact]
    public void The_first_event_of_a_choreographed_saga_goes_to_the_first_steps_system()
    {
        var saga = Saga(FlowModes.Choreography);

        var message = SagaTransitions.Event(saga, OrderEvents.Processing, 1);

        Assert.Equal(["choreography.tracker", "choreography.inventory"], message.AlsoRoutedTo);
    }

    [Fact]
    public void After_a_step_succeeds_the_event_goes_to_the_next_steps_system()
    {
        var saga = Saga(FlowModes.Choreography);
        SagaTransitions.CompleteStep(saga, saga.Steps[0], saga.DefinitionOf(saga.Steps[0]), new StepOutcome.Succeeded(null), 1);

        Assert.Equal(["choreography.tracker", "choreography.billing"], SagaTransitions.Event(saga, "inventory.reserved", 2).AlsoRoutedTo);
    }

    [Fact]
    public void After_a_step_fails_the_event_goes_to_the_system_that_compensates()
    {
        var saga = Saga(FlowModes.Choreography);
        SagaTransitions.CompleteStep(saga, saga.Steps[0], saga.DefinitionOf(saga.Steps[0]), new StepOutcome.Succeeded(null), 1);
        SagaTransitions.CompleteStep(saga, saga.Steps[1], saga.DefinitionOf(saga.Steps[1]), new StepOutcome.Rejected(402, "declined"), 1);

        Assert.Equal(["choreography.tracker", "choreography.inventory"], SagaTransitions.Event(saga, "payment.failed", 3).AlsoRoutedTo);
    }

    [Fact]
    public void The_outcome_event_goes_to_the_tracker_only()
    {
        var saga = Saga(FlowModes.Choreography);
        foreach (var step in saga.Steps)
        {
            SagaTransitions.CompleteStep(saga, step, saga.DefinitionOf(step), new StepOutcome.Succeeded(null), 1);
        }

        SagaTransitions.Finish(saga, SagaStatuses.Completed);

        Assert.Equal(["choreography.tracker"], SagaTransitions.Event(saga, OrderEvents.Completed, 5).AlsoRoutedTo);
    }

    [Theory]
    [InlineData(FlowModes.Orchestration)]
    [InlineData(FlowModes.Hybrid)]
    public void Events_of_sagas_the_process_api_runs_reach_no_participant(string mode) =>
        Assert.Null(SagaTransitions.Event(Saga(mode), OrderEvents.Processing, 1).AlsoRoutedTo);

    [Fact]
    public void Events_of_a_saga_taken_over_reach_no_participant()
    {
        var saga = Saga(FlowModes.Choreography);
        SagaTransitions.TakeOver(saga, "reserve-inventory", "stalled");

        Assert.Null(SagaTransitions.Event(saga, OrderEvents.Failed, 1001).AlsoRoutedTo);
    }

    [Fact]
    public async Task The_process_apis_own_event_goes_to_the_next_participant_and_not_to_its_own_tracker()
    {
        using var temp = new TempSagaStore("apiled-routing-");
        var saga = Saga(FlowModes.Choreography);

        await temp.Store.StartAsync(saga, [SagaTransitions.Event(saga, OrderEvents.Processing, 1)], CancellationToken.None);

        var row = Assert.Single(await temp.Outbox.PendingAsync(10, CancellationToken.None));
        Assert.Equal(OrderEvents.Processing, row.RoutingKey);
        Assert.Equal(["choreography.inventory"], row.AlsoRoutedTo); // the tracker would find nothing newer than this record
    }

    [Fact]
    public async Task The_process_apis_own_event_reaches_its_tracker_when_no_participant_acts_next()
    {
        using var temp = new TempSagaStore("apiled-routing-");
        var saga = Saga(FlowModes.Choreography);
        await temp.Store.StartAsync(saga, [], CancellationToken.None);
        foreach (var step in saga.Steps)
        {
            SagaTransitions.CompleteStep(saga, step, saga.DefinitionOf(step), new StepOutcome.Succeeded(null), 1);
        }

        await temp.Store.RecordAsync(saga, SagaTransitions.Finish(saga, SagaStatuses.Completed), CancellationToken.None);

        var row = Assert.Single(await temp.Outbox.PendingAsync(10, CancellationToken.None));
        Assert.Equal(OrderEvents.Completed, row.RoutingKey);
        Assert.Equal(["choreography.tracker"], row.AlsoRoutedTo); // e.g. a callback wait next: the tracker takes one that came early
    }

    [Fact]
    public void Keys_without_the_tracker_or_without_a_participant_are_kept_as_they_are()
    {
        Assert.Null(ChoreographyQueues.ForProcessApiEvent(null));
        Assert.Equal(["choreography.tracker"], ChoreographyQueues.ForProcessApiEvent(["choreography.tracker"]));
        Assert.Equal(["choreography.billing"], ChoreographyQueues.ForProcessApiEvent(["choreography.billing"]));
        Assert.Equal(["choreography.billing"], ChoreographyQueues.ForProcessApiEvent(["choreography.tracker", "choreography.billing"]));
    }

    [Fact]
    public void A_participants_batch_reaches_the_tracker_once_as_its_last_event_naming_the_earlier_ones()
    {
        var saga = Saga(FlowModes.Choreography);
        SagaTransitions.CompleteStep(saga, saga.Steps[0], saga.DefinitionOf(saga.Steps[0]), new StepOutcome.Succeeded(null), 1);
        SagaTransitions.CompleteStep(saga, saga.Steps[1], saga.DefinitionOf(saga.Steps[1]), new StepOutcome.Succeeded(null), 1);
        var changes = new SagaChangeSet(saga, TimeProvider.System); // the shipping participant's batch: its step, then the outcome
        changes.Add(SagaTransitions.CompleteStep(saga, saga.Steps[2], saga.DefinitionOf(saga.Steps[2]), new StepOutcome.Succeeded(null), 1, DateTimeOffset.UtcNow));
        changes.Add(SagaTransitions.Finish(saga, SagaStatuses.Completed));
        var batch = changes.Messages.Select(m => BrokerMessage.From(m, DateTimeOffset.UtcNow)).ToList();
        Assert.All(batch, m => Assert.Equal(["choreography.tracker"], m.AlsoRoutedTo)); // as each event alone would go

        var tracked = ChoreographyQueues.TrackedOnce(batch);

        Assert.Equal(batch.Select(m => m.RoutingKey), tracked.Select(m => m.RoutingKey)); // every event is still published
        Assert.Null(tracked[0].AlsoRoutedTo);
        Assert.Null(tracked[0].Headers);
        Assert.Equal(["choreography.tracker"], tracked[1].AlsoRoutedTo);
        Assert.Equal(batch[0].RoutingKey, tracked[1].Headers![ChoreographyQueues.EarlierEventsHeader]);
    }

    [Fact]
    public void An_earlier_event_of_a_batch_keeps_its_route_to_a_participant()
    {
        BrokerMessage Event(string key, params string[] also) =>
            new(key + "-id", "apiled.events", key, "t", DateTimeOffset.UtcNow, null, null, null, Array.Empty<byte>(), also);
        List<BrokerMessage> batch =
        [
            Event("payment.failed", "choreography.tracker", "choreography.billing"),
            Event("inventory.released", "choreography.tracker"),
            Event("order.failed", "choreography.tracker"),
        ];

        var tracked = ChoreographyQueues.TrackedOnce(batch);

        Assert.Equal(["choreography.billing"], tracked[0].AlsoRoutedTo);
        Assert.Null(tracked[1].AlsoRoutedTo);
        Assert.Equal(["choreography.tracker"], tracked[2].AlsoRoutedTo);
        Assert.Equal("payment.failed inventory.released", tracked[2].Headers![ChoreographyQueues.EarlierEventsHeader]);
    }

    [Fact]
    public void A_batch_with_one_event_for_the_tracker_is_published_as_it_is()
    {
        BrokerMessage Event(string key, string[]? also) =>
            new(key + "-id", "apiled.events", key, "t", DateTimeOffset.UtcNow, null, null, null, Array.Empty<byte>(), also);
        List<BrokerMessage> single = [Event("inventory.reserved", ["choreography.tracker", "choreography.billing"])];
        List<BrokerMessage> trackerFirst = [Event("inventory.reserved", ["choreography.tracker"]), Event("audit.noted", null)];

        Assert.Same(single, ChoreographyQueues.TrackedOnce(single));
        Assert.Same(trackerFirst, ChoreographyQueues.TrackedOnce(trackerFirst));
    }

    private static SagaState Saga(string mode)
    {
        var flow = new FlowDefinition
        {
            Mode = mode,
            Steps =
            [
                new StepDefinition { Name = "reserve-inventory", Events = new StepEvents { Succeeded = "inventory.reserved" }, Operation = "inventory.reserve", Compensation = "inventory.release" },
                new StepDefinition { Name = "charge-payment", Events = new StepEvents { Succeeded = "payment.charged" }, Operation = "billing.charge", Compensation = "billing.refund" },
                new StepDefinition { Name = "create-shipment", Events = new StepEvents { Succeeded = "shipment.created" }, Operation = "shipping.create-shipment", Compensation = "shipping.cancel-shipment" },
            ],
        };
        var order = new FulfillOrderCommand("ord", "p", "c", [new PricedOrderLine("SKU-A", 1, 500)], 500, "EUR", "card",
            new ShippingAddress("A", "B", "C", "D", "GB"), DateTimeOffset.UtcNow);
        return SagaState.Start(order, "flow", flow, null, DateTimeOffset.UtcNow);
    }
}
