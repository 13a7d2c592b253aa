using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>Cancelling an order: until which step, what is undone, how it ends, and a cancel that comes before the saga.</summary>
public sealed class CancelTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly FulfillOrderCommand Order = new("ord-c", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 1, 500)], 500,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);

    private static readonly OrderCancellation ByPartner = new(T0.AddMinutes(1), "partner partner-a", "changed my mind");

    private readonly TempSagaStore temp = new("apiled-cancel-");

    public void Dispose() => temp.Dispose();

    private static SagaState Start(string mode = FlowModes.Orchestration, string? cancelUntil = "create-shipment") =>
        SagaState.Start(Order, "f", ShippedFlows.ThreeSteps(mode, cancelUntil), null, T0);

    private static void Succeed(SagaState saga)
    {
        var next = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.StartStep(saga, next.Step, next.Definition);
        SagaTransitions.CompleteStep(saga, next.Step, next.Definition, new StepOutcome.Succeeded("{}"), 1, T0);
    }

    [Fact]
    public void A_cancel_undoes_what_was_done_and_what_was_under_way_in_reverse_then_ends_cancelled()
    {
        var saga = Start();
        Succeed(saga);
        var charge = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.StartStep(saga, charge.Step, charge.Definition); // the charge is under way

        Assert.Null(SagaTransitions.WhyNotCancellable(saga));
        var cancel = SagaTransitions.Cancel(saga, ByPartner);

        Assert.Equal("cancel-requested", cancel.Kind);
        Assert.Equal(OrderEvents.Cancelling, cancel.EventName);
        Assert.Equal(1, cancel.VersionStep);
        Assert.Equal(["succeeded", "faulted", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.Equal("cancelled by partner partner-a: changed my mind", saga.FailureReason);
        Assert.Null(saga.FailedStep);

        var first = Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga));
        Assert.Equal("charge-payment", first.Step.Name); // a charge that may have happened is refunded
        SagaTransitions.CompleteCompensation(saga, first.Step, first.Definition, new StepOutcome.Succeeded("{}"), 1);
        var second = Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga));
        Assert.Equal("reserve-inventory", second.Step.Name);
        SagaTransitions.CompleteCompensation(saga, second.Step, second.Definition, new StepOutcome.Succeeded("{}"), 1);

        var finish = Assert.IsType<SagaAction.Finish>(SagaTransitions.Next(saga));
        Assert.Equal(SagaStatuses.Cancelled, finish.Status);
        var finished = SagaTransitions.Finish(saga, finish.Status);
        Assert.Equal(("saga-cancelled", OrderEvents.Cancelled), (finished.Kind, finished.EventName));
        Assert.True(SagaStatuses.IsTerminal(saga.Status));
        Assert.Equal(ByPartner, saga.ToEvent().Cancellation);
    }

    [Fact]
    public void Once_the_cancel_until_step_has_started_or_the_order_is_done_a_cancel_is_refused()
    {
        var saga = Start();
        Succeed(saga);
        Succeed(saga);
        var ship = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.StartStep(saga, ship.Step, ship.Definition);

        var refusal = SagaTransitions.WhyNotCancellable(saga);
        Assert.Equal("cancel-too-late", refusal?.Type);
        Assert.Contains("'create-shipment' is running", refusal!.Detail);

        SagaTransitions.CompleteStep(saga, ship.Step, ship.Definition, new StepOutcome.Succeeded("{}"), 1, T0);
        SagaTransitions.Finish(saga, SagaStatuses.Completed);
        Assert.Equal("cancel-too-late", SagaTransitions.WhyNotCancellable(saga)?.Type);
    }

    [Fact]
    public void Without_cancel_until_an_order_can_be_cancelled_until_it_is_done_but_not_once_it_fails()
    {
        var saga = Start(cancelUntil: null);
        Succeed(saga);
        Succeed(saga);
        var ship = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.StartStep(saga, ship.Step, ship.Definition);
        Assert.Null(SagaTransitions.WhyNotCancellable(saga));

        SagaTransitions.CompleteStep(saga, ship.Step, ship.Definition, new StepOutcome.Rejected(422, "no carrier"), 1, T0);
        Assert.Equal("order-not-cancellable", SagaTransitions.WhyNotCancellable(saga)?.Type);
    }

    [Fact]
    public void A_choreographed_saga_is_taken_over_and_every_step_the_participants_may_have_run_is_undone()
    {
        var saga = Start(FlowModes.Choreography);
        Succeed(saga); // the process API saw the reservation; the participants may be further on

        var cancel = SagaTransitions.Cancel(saga, ByPartner);

        Assert.True(saga.TakenOver);
        Assert.Equal(SagaTransitions.TakeoverVersionGap, cancel.VersionStep);
        Assert.Equal(["succeeded", "faulted", "faulted"], saga.Steps.Select(s => s.Status));
        Assert.Null(ChoreographyQueues.AlsoRouteTo(saga)); // the participants are told nothing more
    }

    [Fact]
    public async Task A_cancel_that_comes_before_the_saga_makes_it_start_cancelled_with_nothing_done()
    {
        var store = temp.Store;

        Assert.True(await store.CancelBeforeStartAsync(Order.OrderId, ByPartner, CancellationToken.None));
        var fresh = Start();
        var (saga, created) = await store.StartAsync(fresh, [SagaTransitions.Event(fresh, OrderEvents.Processing, 1)], CancellationToken.None);

        Assert.True(created);
        Assert.Equal(SagaStatuses.Cancelled, saga.Status);
        Assert.Equal(["skipped", "skipped", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.IsType<SagaAction.Done>(SagaTransitions.Next(saga));
        Assert.Equal(["saga-started", "cancel-requested", "saga-cancelled"],
            (await store.HistoryAsync(Order.OrderId, CancellationToken.None)).Select(h => h.Kind));
        Assert.False(await store.CancelBeforeStartAsync(Order.OrderId, ByPartner, CancellationToken.None)); // it exists now: cancel it as a saga
    }
}
