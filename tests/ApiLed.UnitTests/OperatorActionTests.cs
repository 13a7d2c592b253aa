using ApiLed.Contracts;
using ApiLed.ProcessApi.Apis;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>
/// Operators' actions on a parked saga as transitions (redrive only while nothing was undone; retry; cancel of a parked
/// saga), the timeline's one vocabulary for both modes, and the search cursor.
/// </summary>
public sealed class OperatorActionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly FulfillOrderCommand Order = new("ord-o", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 1, 500)], 500,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);

    private static SagaState Start(string mode = FlowModes.Orchestration) => SagaState.Start(Order, "f", ShippedFlows.ThreeSteps(mode), null, T0);

    private static void Run(SagaState saga, StepOutcome outcome)
    {
        var next = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.StartStep(saga, next.Step, next.Definition);
        SagaTransitions.CompleteStep(saga, next.Step, next.Definition, outcome, 1, T0);
    }

    private static void Undo(SagaState saga, StepOutcome outcome)
    {
        var undo = Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga));
        SagaTransitions.StartCompensation(undo.Step, undo.Definition);
        SagaTransitions.CompleteCompensation(saga, undo.Step, undo.Definition, outcome, 3);
    }

    /// <summary>Reserved and charged; the shipment faulted and its own undo failed: parked with nothing undone.</summary>
    private static SagaState ParkedAtTheShipment(string mode = FlowModes.Orchestration)
    {
        var saga = Start(mode);
        Run(saga, new StepOutcome.Succeeded("{}"));
        Run(saga, new StepOutcome.Succeeded("{}"));
        Run(saga, new StepOutcome.Faulted("503"));
        Undo(saga, new StepOutcome.Faulted("503"));
        Assert.Equal(SagaStatuses.NeedsAttention, saga.Status);
        return saga;
    }

    [Fact]
    public void A_saga_parked_before_anything_was_undone_is_redriven_from_its_failed_step_and_goes_on()
    {
        var saga = ParkedAtTheShipment();
        Assert.Null(SagaTransitions.WhyNotRedrivable(saga));

        var transition = SagaTransitions.Redrive(saga, "ops-ann", "shipping is back");

        Assert.Equal(("operator-redrive", "create-shipment", "redriven by ops-ann: shipping is back", OrderEvents.Processing),
            (transition.Kind, transition.Step, transition.Detail, transition.EventName));
        Assert.Equal(SagaStatuses.Running, saga.Status);
        Assert.Null(saga.FailedStep);
        Assert.Equal([StepStatuses.Succeeded, StepStatuses.Succeeded, StepStatuses.Pending], saga.Steps.Select(s => s.Status));
        var next = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        Assert.Equal("create-shipment", next.Step.Name);
        Assert.Equal("ord-o/create-shipment/shipping.create-shipment", SagaTransitions.IdempotencyKey(saga, next.Step.Name, next.Definition.Operation)); // the same key: an answer, not a second shipment
        Run(saga, new StepOutcome.Succeeded("{}"));
        Assert.IsType<SagaAction.Finish>(SagaTransitions.Next(saga));
    }

    [Fact]
    public void A_saga_with_a_step_already_undone_cannot_be_redriven_and_says_so()
    {
        var saga = Start();
        Run(saga, new StepOutcome.Succeeded("{}"));
        Run(saga, new StepOutcome.Succeeded("{}"));
        Run(saga, new StepOutcome.Rejected(422, "not served")); // a business refusal: nothing to undo for it
        Undo(saga, new StepOutcome.Succeeded("refunded"));
        Undo(saga, new StepOutcome.Faulted("503")); // the release fails: parked, the charge refunded
        Assert.Equal(SagaStatuses.NeedsAttention, saga.Status);

        var refusal = SagaTransitions.WhyNotRedrivable(saga);

        Assert.Equal("redrive-impossible", refusal?.Type);
        Assert.Contains("charge-payment", refusal!.Detail);
        Assert.Equal("saga-not-parked", SagaTransitions.WhyNotRedrivable(Start())?.Type);
    }

    [Fact]
    public void A_choreographed_parked_saga_is_taken_over_when_redriven()
    {
        var saga = ParkedAtTheShipment(FlowModes.Choreography);
        saga.TakenOver = false;

        var transition = SagaTransitions.Redrive(saga, "ops-ann", "shipping is back");

        Assert.True(saga.TakenOver);
        Assert.True(saga.DrivenByProcessApi);
        Assert.Equal(SagaTransitions.TakeoverVersionGap, transition.VersionStep);
    }

    [Fact]
    public void Retrying_a_parked_saga_s_compensation_and_cancelling_it_record_who_and_why()
    {
        var retried = ParkedAtTheShipment();
        var retry = SagaTransitions.RetryCompensation(retried, "ops-ann", "shipping is back");
        Assert.Equal("compensation retried by ops-ann: shipping is back", retry.Detail);
        Assert.Equal(StepStatuses.Compensating, retried.Steps[2].Status);

        var cancelled = ParkedAtTheShipment();
        Assert.Null(SagaTransitions.WhyNotCancellable(cancelled)); // parked: it may be cancelled, whatever CancelUntil says
        SagaTransitions.Cancel(cancelled, new OrderCancellation(T0, "ops-ann", "partner withdrew"));
        Assert.Equal(SagaStatuses.Compensating, cancelled.Status);
        Assert.Equal([StepStatuses.Succeeded, StepStatuses.Succeeded, StepStatuses.Compensating], cancelled.Steps.Select(s => s.Status));
        Undo(cancelled, new StepOutcome.Succeeded("cancelled"));
        Undo(cancelled, new StepOutcome.Succeeded("refunded"));
        Undo(cancelled, new StepOutcome.Succeeded("released"));
        Assert.Equal(new SagaAction.Finish(SagaStatuses.Cancelled), SagaTransitions.Next(cancelled));
    }

    [Fact]
    public void The_timeline_says_the_same_of_an_orchestrated_and_a_choreographed_step()
    {
        var saga = Start(FlowModes.Choreography);
        var history = new List<SagaHistoryEntry>
        {
            new(T0, "saga-started", null, "flow f"),
            new(T0.AddMilliseconds(40), "event r.ok", "reserve-inventory", null),
            new(T0.AddMilliseconds(100), "event c.failed", "charge-payment", "declined"),
            new(T0.AddMilliseconds(130), "event r.undone", "reserve-inventory", null),
            new(T0.AddMilliseconds(150), "event order.failed", null, "declined"),
        };
        var choreographed = SagaTimelines.Build(saga, history);
        Assert.Equal(["saga-started", "step-succeeded", "step-failed", "step-compensated", "saga-failed"], choreographed.Entries.Select(e => e.What));
        Assert.Equal(["saga", "step", "step", "compensation", "saga"], choreographed.Entries.Select(e => e.Kind));
        Assert.Equal(60, choreographed.Entries[2].DurationMs); // since the event before it

        var orchestrated = SagaTimelines.Build(Start(), new List<SagaHistoryEntry>
        {
            new(T0, "step-started", "charge-payment", "billing.charge"),
            new(T0.AddMilliseconds(25), "step-rejected", "charge-payment", "declined after 3 call(s)"),
            new(T0.AddMilliseconds(30), "compensation-started", "reserve-inventory", "inventory.release"),
            new(T0.AddMilliseconds(42), "step-compensated", "reserve-inventory", "inventory.release"),
        });
        Assert.Equal(["step-started", "step-failed", "retried", "compensation-started", "step-compensated"], orchestrated.Entries.Select(e => e.What));
        Assert.Equal(25, orchestrated.Entries[1].DurationMs);
        Assert.Equal(12, orchestrated.Entries[4].DurationMs);
        Assert.Equal("retry", orchestrated.Entries[2].Kind);
    }

    [Fact]
    public void A_search_cursor_reads_back_what_it_was_made_from_and_nothing_else()
    {
        var at = new DateTimeOffset(2026, 11, 26, 21, 41, 51, 373, TimeSpan.Zero).AddTicks(4298);
        Assert.Equal((at, "ord_01|x"), SagaCursor.Read(SagaCursor.Write(at, "ord_01|x")));
        Assert.Null(SagaCursor.Read("not-a-cursor"));
        Assert.Null(SagaCursor.Read(""));
        Assert.Null(SagaCursor.Read(new string('A', 500)));
    }
}
