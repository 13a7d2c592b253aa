using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>Timer steps: the wait starts when the step before succeeds, ends when due, and is never undone.</summary>
public sealed class WaitStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly FulfillOrderCommand Order = new("ord-w", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 1, 500)], 500,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);

    private static FlowsOptions Flows(params StepDefinition[] steps) => ShippedFlows.Options with
    {
        Definitions = new() { ["f"] = new ConfiguredFlow { Mode = FlowModes.Orchestration, Steps = [.. steps] } },
        OrderFlow = "f",
    };

    private static StepDefinition Reserve => new() { Name = "reserve-inventory", Operation = "inventory.reserve" };

    private static StepDefinition Charge => new() { Name = "charge-payment", Operation = "billing.charge" };

    private static StepDefinition Pause(TimeSpan? duration = null, string? until = null) =>
        new() { Name = "cool-off", Wait = new WaitDefinition { For = duration, Until = until } };

    [Fact]
    public void A_wait_starts_when_the_step_before_succeeds_and_ends_when_due()
    {
        var flows = Flows(Reserve, Pause(TimeSpan.FromSeconds(30)), Charge);
        var saga = SagaState.Start(Order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0);
        var reserve = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));

        var reserved = SagaTransitions.CompleteStep(saga, reserve.Step, reserve.Definition, new StepOutcome.Succeeded("{}"), 1, T0.AddSeconds(1));

        Assert.Equal(StepStatuses.Waiting, saga.Steps[1].Status);
        Assert.Equal(T0.AddSeconds(31), saga.WaitingUntil);
        Assert.Contains("cool-off waits until 2026-11-26T12:00:31", reserved.Detail);
        var wait = Assert.IsType<SagaAction.Wait>(SagaTransitions.Next(saga));
        Assert.Equal(T0.AddSeconds(31), wait.DueAt);
        Assert.Null(wait.System);

        var over = SagaTransitions.CompleteWait(saga, wait.Step, wait.Definition, T0.AddSeconds(31));
        Assert.Equal("wait-over", over.Kind);
        Assert.Equal(StepStatuses.Waited, saga.Steps[1].Status);
        Assert.Null(saga.WaitingUntil);
        Assert.Equal("charge-payment", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void A_wait_is_never_undone_when_a_later_step_fails()
    {
        var flows = Flows(Reserve, Pause(TimeSpan.FromSeconds(1)), Charge);
        var saga = SagaState.Start(Order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0);
        var reserve = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, reserve.Step, reserve.Definition, new StepOutcome.Succeeded("{}"), 1, T0);
        var wait = Assert.IsType<SagaAction.Wait>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteWait(saga, wait.Step, wait.Definition, T0.AddSeconds(1));
        var charge = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, charge.Step, charge.Definition, new StepOutcome.Rejected(402, "declined"), 1, T0.AddSeconds(2));

        Assert.Equal("reserve-inventory", Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void A_wait_until_a_time_read_from_the_order_and_a_first_step_wait_start_with_the_saga()
    {
        var flows = Flows(Pause(until: "${order.acceptedAt}"), Reserve);
        var saga = SagaState.Start(Order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0.AddSeconds(5));

        Assert.Equal(StepStatuses.Waiting, saga.Steps[0].Status);
        Assert.Equal(T0, saga.Steps[0].DueAt);
        var copy = JsonSerializer.Deserialize<SagaState>(JsonSerializer.Serialize(saga, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        Assert.Equal(T0, copy.WaitingUntil);
        Assert.Equal(T0, Assert.IsType<SagaAction.Wait>(SagaTransitions.Next(copy)).DueAt);
    }

    [Theory]
    [InlineData(null, null, "Wait needs either For (a duration) or Until (a time), not neither")]
    [InlineData("00:00:05", "${order.acceptedAt}", "not both")]
    [InlineData("-00:00:05", null, "Wait:For must be a positive duration")]
    [InlineData(null, "${steps.charge-payment.result.at}", "Wait:Until reads step 'charge-payment', which does not always run before step 'cool-off'")]
    [InlineData(null, "${order.", "Wait:Until has a bad expression")]
    public void A_bad_wait_is_named_with_its_step(string? duration, string? until, string expected)
    {
        var flows = Flows(Reserve, Pause(duration is null ? null : TimeSpan.Parse(duration, System.Globalization.CultureInfo.InvariantCulture), until), Charge);
        Assert.Contains(FlowValidator.Validate(flows, "flows.json"), f => f.Contains("Steps:1") && f.Contains(expected));
    }

    [Fact]
    public void A_step_cannot_both_wait_and_call_an_operation() =>
        Assert.Contains(FlowValidator.Validate(Flows(Reserve, Pause(TimeSpan.FromSeconds(1)) with { Operation = "billing.get-charge" }), "flows.json"),
            f => f.Contains("Steps:1: a step waits (Wait) or calls an operation"));
}
