using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>Conditions (When), choices laid out in line, and the engine deciding them as the saga goes.</summary>
public sealed class FlowConditionTests
{
    private static readonly FulfillOrderCommand Order = new("ord-9", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 3, 40_000)], 120_000,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), DateTimeOffset.UnixEpoch);

    private static bool Holds(string condition, string? chargeResult = null)
    {
        var saga = SagaState.Start(Order, "f", ShippedFlows.Definition(), null, DateTimeOffset.UnixEpoch);
        saga.Steps[1].Status = StepStatuses.Succeeded;
        saga.Steps[1].Result = chargeResult;
        using var scope = OperationScope.Of(saga);
        return FlowCondition.Of(condition).Holds(scope.RootElement);
    }

    [Theory]
    [InlineData("order.totalCents > 100000", true)]
    [InlineData("order.totalCents > 120000", false)]
    [InlineData("order.totalCents >= 120000", true)]
    [InlineData("order.totalCents <= 99.5", false)]
    [InlineData("order.currency == 'EUR'", true)]
    [InlineData("order.currency != 'EUR'", false)]
    [InlineData("order.currency == 'EUR' and order.shipTo.country == 'FR'", false)]
    [InlineData("order.currency == 'EUR' or order.shipTo.country == 'FR'", true)]
    [InlineData("not (order.shipTo.country == 'FR')", true)]
    [InlineData("!(order.totalCents > 1) || order.orderId == 'ord-9' && true", true)]
    [InlineData("order.missing == null", true)]
    [InlineData("order.missing", false)]
    [InlineData("order.lines", true)]
    [InlineData("order.totalCents == '120000'", false)]
    [InlineData("steps.charge-payment.status == 'succeeded'", true)]
    [InlineData("steps.charge-payment.result.decision == 'deny'", true)]
    [InlineData("steps.charge-payment.result.score < 50", false)]
    [InlineData("ordered == 1", false)]
    public void Conditions_compare_values_of_the_order_and_earlier_steps(string condition, bool expected)
    {
        if (condition.StartsWith("ordered", StringComparison.Ordinal))
        {
            Assert.Null(FlowCondition.Parse(condition, out var error)); // "ordered" is not a root: refused, never evaluated
            Assert.Contains("not 'ordered'", error);
            return;
        }

        Assert.Equal(expected, Holds(condition, """{"decision":"deny","score":80}"""));
    }

    [Theory]
    [InlineData("order.totalCents >", "expected a value at the end")]
    [InlineData("(order.totalCents > 1", "'(' is not closed")]
    [InlineData("order.totalCents > 1 1", "unexpected '1'")]
    [InlineData("order.currency == 'EUR", "quoted text is not closed")]
    [InlineData("price > 1", "a path starts with one of")]
    public void A_bad_condition_says_what_is_wrong(string condition, string expected)
    {
        Assert.Null(FlowCondition.Parse(condition, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_condition_of_literals_is_constant() =>
        Assert.Equal([false, true, null], new[] { "1 > 2", "'a' == 'a'", "order.totalCents > 1" }.Select(c => FlowCondition.Of(c).Constant));

    private static FlowDefinition Definition(params StepDefinition[] steps)
    {
        var flows = ShippedFlows.Options with
        {
            Definitions = new() { ["f"] = new ConfiguredFlow { Mode = FlowModes.Orchestration, Steps = [.. steps] } },
            OrderFlow = "f",
        };
        return flows.Definitions["f"].ToDefinition(flows);
    }

    private static StepDefinition Step(string name, string operation, string? when = null) => new() { Name = name, Operation = operation, When = when };

    [Fact]
    public void A_step_whose_condition_does_not_hold_is_not_taken_when_the_step_before_it_succeeds()
    {
        var definition = Definition(
            Step("reserve-inventory", "inventory.reserve"),
            Step("check-reservation", "inventory.get-reservation", "order.totalCents > 500000"),
            Step("charge-payment", "billing.charge", "order.totalCents > 100000"));
        var saga = SagaState.Start(Order, "f", definition, null, DateTimeOffset.UnixEpoch);
        Assert.All(saga.Steps, s => Assert.Equal(StepStatuses.Pending, s.Status)); // the first step has no condition

        var execute = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        var transition = SagaTransitions.CompleteStep(saga, execute.Step, execute.Definition, new StepOutcome.Succeeded("{}"), 1);

        Assert.Equal([StepStatuses.Succeeded, StepStatuses.NotTaken, StepStatuses.Pending], saga.Steps.Select(s => s.Status));
        Assert.Contains("not taken: check-reservation", transition.Detail);
        Assert.Equal("charge-payment", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void Steps_at_the_start_are_decided_when_the_saga_starts_and_a_not_taken_step_is_never_compensated()
    {
        var definition = Definition(
            Step("check-charge", "billing.get-charge", "order.currency == 'USD'"),
            Step("reserve-inventory", "inventory.reserve"),
            Step("charge-payment", "billing.charge"));
        var saga = SagaState.Start(Order, "f", definition, null, DateTimeOffset.UnixEpoch);
        Assert.Equal(StepStatuses.NotTaken, saga.Steps[0].Status);

        var reserve = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, reserve.Step, reserve.Definition, new StepOutcome.Succeeded("{}"), 1);
        var charge = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, charge.Step, charge.Definition, new StepOutcome.Rejected(402, "declined"), 1);

        var undo = Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga));
        Assert.Equal("reserve-inventory", undo.Step.Name);
        SagaTransitions.CompleteCompensation(saga, undo.Step, undo.Definition, new StepOutcome.Succeeded("{}"), 1);
        Assert.Equal(SagaStatuses.Failed, Assert.IsType<SagaAction.Finish>(SagaTransitions.Next(saga)).Status);
        Assert.Equal(StepStatuses.NotTaken, saga.Steps[0].Status);
    }

    [Fact]
    public void A_choice_runs_the_first_branch_that_holds_and_otherwise_when_none_does()
    {
        var choice = new StepDefinition
        {
            Name = "by-size",
            Choice = new ChoiceDefinition
            {
                Branches =
                [
                    new ChoiceBranch { When = "order.totalCents > 500000", Steps = [Step("check-reservation", "inventory.get-reservation")] },
                    new ChoiceBranch { When = "order.totalCents > 100000", Steps = [Step("check-charge", "billing.get-charge")] },
                ],
                Otherwise = [Step("check-shipment", "shipping.get-shipment")],
            },
        };
        var definition = Definition(Step("reserve-inventory", "inventory.reserve"), choice, Step("charge-payment", "billing.charge"));

        Assert.Equal(["reserve-inventory", "check-reservation", "check-charge", "check-shipment", "charge-payment"], definition.Steps.Select(s => s.Name));
        Assert.Equal("order.totalCents > 500000", definition.Steps[1].When);
        Assert.Equal("(not (order.totalCents > 500000)) and (order.totalCents > 100000)", definition.Steps[2].When);
        Assert.Equal("not (order.totalCents > 500000) and not (order.totalCents > 100000)", definition.Steps[3].When);

        var saga = SagaState.Start(Order, "f", definition, null, DateTimeOffset.UnixEpoch);
        var first = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, first.Step, first.Definition, new StepOutcome.Succeeded("{}"), 1);
        Assert.Equal("check-charge", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
        Assert.Equal(StepStatuses.NotTaken, saga.Steps[1].Status);

        var second = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, second.Step, second.Definition, new StepOutcome.Succeeded("{}"), 1);
        Assert.Equal(StepStatuses.NotTaken, saga.Steps[3].Status);
        Assert.Equal("charge-payment", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void A_pinned_definition_is_written_once_and_read_back_shared()
    {
        var saga = SagaState.Start(Order, "f", ShippedFlows.Definition(), null, DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.Serialize(saga, JsonSerializerOptions.Web);
        var first = JsonSerializer.Deserialize<SagaState>(json, JsonSerializerOptions.Web)!;
        var second = JsonSerializer.Deserialize<SagaState>(json, JsonSerializerOptions.Web)!;

        Assert.Same(first.Definition, second.Definition);
        Assert.Equal(saga.Definition.Steps.Select(s => s.Compensation), first.Definition.Steps.Select(s => s.Compensation));
        Assert.Equal(saga.Definition.Operations.Keys.Order(), first.Definition.Operations.Keys.Order());
        Assert.Equal(json, JsonSerializer.Serialize(first, JsonSerializerOptions.Web));
        Assert.Contains("\"definition\":{\"mode\":\"orchestration\"", json);
    }
}
