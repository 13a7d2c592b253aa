using ApiLed.Contracts;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>
/// Stall detection on evidence only: a choreographed saga whose next event waits in a queue is never stalled; one
/// whose participant had the event for longer than the step's budget (plus patience and grace), with the tracker
/// caught up since, is.
/// </summary>
public sealed class ChoreographyStallRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly SagaOptions Options = new() { Patience = TimeSpan.FromSeconds(60), StallGrace = TimeSpan.FromSeconds(10) };
    private const string Billing = "billing.choreography";
    private const string Tracker = "process.saga-tracker";
    private readonly QueueObservations queues = new(TimeSpan.FromHours(1));

    [Fact]
    public void A_saga_whose_event_still_waits_in_a_busy_queue_is_waiting_however_long_it_takes()
    {
        var saga = ChargePending(T0);
        queues.Record(Billing, ready: 5000, consumers: 1, T0.AddSeconds(1));
        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddMinutes(30));

        var verdict = ChoreographyStallRule.Evaluate(saga, T0.AddMinutes(30), queues, Options);

        var waiting = Assert.IsType<StallVerdict.Waiting>(verdict);
        Assert.Equal("charge-payment", waiting.Step);
        Assert.Equal("billing", waiting.System);
    }

    [Fact]
    public void A_participant_that_had_the_event_past_its_budget_while_the_tracker_caught_up_is_stalled()
    {
        var saga = ChargePending(T0);
        queues.Record(Billing, ready: 0, consumers: 1, T0.AddSeconds(5));
        var deadline = T0.AddSeconds(5) + TimeSpan.FromSeconds(20) + Options.Patience + Options.StallGrace;
        queues.Record(Tracker, ready: 0, consumers: 1, deadline.AddSeconds(1));

        var verdict = ChoreographyStallRule.Evaluate(saga, deadline.AddSeconds(2), queues, Options);

        Assert.Equal("charge-payment", Assert.IsType<StallVerdict.Stalled>(verdict).Step);
    }

    [Fact]
    public void A_reply_still_waiting_in_the_trackers_queue_keeps_the_saga_waiting()
    {
        var saga = ChargePending(T0);
        queues.Record(Billing, ready: 0, consumers: 1, T0.AddSeconds(5));
        queues.Record(Tracker, ready: 800, consumers: 1, T0.AddMinutes(10));

        Assert.IsType<StallVerdict.Waiting>(ChoreographyStallRule.Evaluate(saga, T0.AddMinutes(10), queues, Options));
    }

    [Fact]
    public void Before_the_budget_runs_out_the_saga_is_waiting()
    {
        var saga = ChargePending(T0);
        queues.Record(Billing, ready: 0, consumers: 1, T0.AddSeconds(5));
        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddSeconds(60));

        Assert.IsType<StallVerdict.Waiting>(ChoreographyStallRule.Evaluate(saga, T0.AddSeconds(61), queues, Options));
    }

    [Fact]
    public void A_participant_with_no_consumer_is_waited_for_up_to_the_patience()
    {
        var saga = ChargePending(T0);
        queues.Record(Billing, ready: 3, consumers: 0, T0.AddSeconds(1));
        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddSeconds(50));
        Assert.IsType<StallVerdict.Waiting>(ChoreographyStallRule.Evaluate(saga, T0.AddSeconds(50), queues, Options));

        queues.Record(Billing, ready: 3, consumers: 0, T0.AddSeconds(80));
        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddSeconds(80));
        var stalled = Assert.IsType<StallVerdict.Stalled>(ChoreographyStallRule.Evaluate(saga, T0.AddSeconds(81), queues, Options));
        Assert.Contains("no participant of billing", stalled.Reason);
    }

    [Fact]
    public void A_saga_with_every_step_settled_but_no_outcome_is_stalled_once_the_tracker_caught_up_after_the_grace()
    {
        var saga = ChargePending(T0);
        saga.Steps.ForEach(s => s.Status = StepStatuses.Succeeded);
        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddSeconds(5));
        Assert.IsType<StallVerdict.Waiting>(ChoreographyStallRule.Evaluate(saga, T0.AddSeconds(6), queues, Options));

        queues.Record(Tracker, ready: 0, consumers: 1, T0.AddSeconds(11));
        var stalled = Assert.IsType<StallVerdict.Stalled>(ChoreographyStallRule.Evaluate(saga, T0.AddSeconds(12), queues, Options));
        Assert.Null(stalled.Step);
    }

    private static SagaState ChargePending(DateTimeOffset updatedAt)
    {
        var flow = new FlowDefinition
        {
            Mode = FlowModes.Choreography,
            Steps =
            [
                new StepDefinition { Name = "reserve-inventory", Operation = "inventory.reserve", Compensation = "inventory.release" },
                new StepDefinition { Name = "charge-payment", Operation = "billing.charge", Compensation = "billing.refund" },
                new StepDefinition { Name = "create-shipment", Operation = "shipping.create-shipment", Compensation = "shipping.cancel-shipment" },
            ],
        };
        var order = new FulfillOrderCommand("ord", "p", "c", [new PricedOrderLine("SKU-A", 1, 500)], 500, "EUR", "card",
            new ShippingAddress("A", "B", "C", "D", "GB"), updatedAt);
        var saga = SagaState.Start(order, "flow", flow, null, updatedAt);
        saga.Steps[0].Status = StepStatuses.Succeeded;
        return saga;
    }
}
