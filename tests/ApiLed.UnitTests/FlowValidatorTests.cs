using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;

namespace ApiLed.UnitTests;

public sealed class FlowValidatorTests
{
    private static StepDefinition Step(string name, string operation, string? compensation) =>
        new() { Name = name, Operation = operation, Compensation = compensation };

    private static FlowsOptions Flows(params StepDefinition[] steps) => new()
    {
        OrderFlow = "order-fulfillment",
        Definitions = new() { ["order-fulfillment"] = new FlowDefinition { Mode = FlowModes.Hybrid, Steps = [.. steps] } },
    };

    private static readonly StepDefinition[] Reference =
    [
        Step("reserve-inventory", "inventory.reserve", "inventory.release"),
        Step("charge-payment", "billing.charge", "billing.refund"),
        Step("create-shipment", "shipping.create-shipment", "shipping.cancel-shipment"),
    ];

    [Fact]
    public void The_reference_flow_is_valid() => Assert.True(new FlowValidator().Validate(null, Flows(Reference)).Succeeded);

    [Fact]
    public void An_unknown_operation_is_named_with_its_flow_and_field()
    {
        var result = new FlowValidator().Validate(null, Flows(Step("reserve-inventory", "inventory.teleport", null)));
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Flows:Definitions:order-fulfillment:Steps:0:Operation 'inventory.teleport' is unknown", failure);
    }

    [Fact]
    public void A_step_that_changes_a_system_needs_its_compensation()
    {
        var result = new FlowValidator().Validate(null, Flows(Step("charge-payment", "billing.charge", null)));
        Assert.Contains(result.Failures!, f => f.Contains("Steps:0:Compensation is required") && f.Contains("billing.refund"));
    }

    [Fact]
    public void A_compensation_that_undoes_something_else_is_refused()
    {
        var result = new FlowValidator().Validate(null, Flows(Step("charge-payment", "billing.charge", "inventory.release")));
        Assert.Contains(result.Failures!, f => f.Contains("does not undo 'billing.charge'"));
    }

    [Fact]
    public void Duplicate_step_names_are_refused()
    {
        var result = new FlowValidator().Validate(null, Flows(Reference[0], Reference[0] with { Operation = "inventory.reserve" }));
        Assert.Contains(result.Failures!, f => f.Contains("Steps:1:Name 'reserve-inventory' is used by an earlier step"));
    }

    [Fact]
    public void The_order_flow_must_exist()
    {
        var options = Flows(Reference) with { OrderFlow = "missing" };
        Assert.Contains(new FlowValidator().Validate(null, options).Failures!, f => f.StartsWith("Flows:OrderFlow names 'missing'"));
    }

    [Fact]
    public void An_unknown_mode_is_refused()
    {
        var options = Flows(Reference);
        options.Definitions["order-fulfillment"] = options.Definitions["order-fulfillment"] with { Mode = "telepathy" };
        Assert.Contains(new FlowValidator().Validate(null, options).Failures!, f => f.Contains(":Mode is 'telepathy'"));
    }
}
