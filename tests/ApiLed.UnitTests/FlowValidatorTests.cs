using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;

namespace ApiLed.UnitTests;

public sealed class FlowValidatorTests
{
    private static StepDefinition Step(string name, string operation, string? compensation, string? succeeded = null) => new()
    {
        Name = name, Operation = operation, Compensation = compensation,
        Events = new StepEvents { Succeeded = succeeded ?? name + ".done", Failed = name + ".failed", Compensated = name + ".undone" },
    };

    private static FlowsOptions Flows(string mode, params StepDefinition[] steps) => new()
    {
        OrderFlow = "order-fulfillment",
        Systems = ShippedFlows.Systems,
        Definitions = new() { ["order-fulfillment"] = new ConfiguredFlow { Mode = mode, Steps = [.. steps] } },
    };

    private static readonly StepDefinition[] Reference =
    [
        Step("reserve-inventory", "inventory.reserve", "inventory.release"),
        Step("charge-payment", "billing.charge", "billing.refund"),
        Step("create-shipment", "shipping.create-shipment", "shipping.cancel-shipment"),
    ];

    private static List<string> Validate(FlowsOptions options) => FlowValidator.Validate(options, "flows.json");

    [Theory]
    [InlineData(FlowModes.Orchestration)]
    [InlineData(FlowModes.Choreography)]
    [InlineData(FlowModes.Hybrid)]
    public void The_reference_flow_is_valid_in_every_mode(string mode) => Assert.Empty(Validate(Flows(mode, Reference)));

    [Fact]
    public void Charging_before_reserving_is_a_valid_reorder() =>
        Assert.Empty(Validate(Flows(FlowModes.Choreography, Reference[1], Reference[0], Reference[2])));

    private static StepDefinition Parallel(string name, params StepDefinition[][] branches) => new()
    {
        Name = name, Parallel = new ParallelDefinition { Branches = [.. branches.Select(b => new ParallelBranch { Steps = [.. b] })] },
    };

    [Fact]
    public void A_parallel_step_is_laid_out_in_line_with_its_group_and_branches()
    {
        var flows = Flows(FlowModes.Hybrid, Reference[0], Parallel("fulfil", [Reference[1]], [Reference[2]]));
        Assert.Empty(Validate(flows));

        var definition = flows.Definitions["order-fulfillment"].ToDefinition(flows);
        Assert.Equal(["reserve-inventory:-:0", "charge-payment:fulfil:0", "create-shipment:fulfil:1"],
            definition.Steps.Select(s => $"{s.Name}:{s.Group ?? "-"}:{s.Lane}"));
    }

    [Fact]
    public void Parallel_mistakes_are_named_with_their_branch_and_step()
    {
        var oneBranch = Validate(Flows(FlowModes.Hybrid, Reference[0], Parallel("fulfil", [Reference[1], Reference[2]])));
        Assert.Contains(oneBranch, f => f.Contains("Steps:1:Parallel:Branches has 1; a parallel step needs two branches or more"));

        var conditional = Validate(Flows(FlowModes.Hybrid, Reference[0],
            Parallel("fulfil", [Reference[1] with { When = "order.totalCents > 1" }], [Reference[2]])));
        Assert.Contains(conditional, f => f.Contains("Steps:1:Parallel:Branches:0:Steps:0: a step of a parallel branch calls an operation, unconditionally"));

        var grouped = Validate(Flows(FlowModes.Hybrid, Reference[0] with { Group = "mine" }, Reference[1]));
        Assert.Contains(grouped, f => f.Contains("Steps:0: Group and Lane are not settings of the flows file"));
    }

    [Fact]
    public void A_step_of_a_parallel_branch_cannot_read_a_sibling_branch_but_the_steps_after_the_join_can()
    {
        var after = Step("after", "billing.get-charge", null) with { When = "steps.create-shipment.status == 'succeeded'" };
        var steps = new[] { Reference[0], Parallel("fulfil", [Reference[1]], [Reference[2]]), after };
        Assert.Empty(Validate(Flows(FlowModes.Hybrid, steps)));

        var flat = FlattenedStep.Of(steps);
        Assert.False(flat[1].VisibleFrom(flat[2])); // charge-payment and create-shipment run at the same time
        Assert.False(flat[2].VisibleFrom(flat[1]));
        Assert.True(flat[1].VisibleFrom(flat[3])); // both ran before the join
        Assert.True(flat[0].VisibleFrom(flat[2]));
    }

    [Fact]
    public void Cancel_until_must_name_a_step_of_the_flow()
    {
        var flows = Flows(FlowModes.Hybrid, Reference);
        flows.Definitions["order-fulfillment"] = flows.Definitions["order-fulfillment"] with { CancelUntil = "ship" };
        var failure = Assert.Single(Validate(flows));
        Assert.StartsWith("flows.json: Flows:Definitions:order-fulfillment:CancelUntil names 'ship', which is not a step of the flow", failure);

        flows.Definitions["order-fulfillment"] = flows.Definitions["order-fulfillment"] with { CancelUntil = "create-shipment" };
        Assert.Empty(Validate(flows));
        Assert.Equal("create-shipment", flows.Definitions["order-fulfillment"].ToDefinition(flows).CancelUntil);
    }

    [Fact]
    public void An_unknown_operation_is_named_with_its_file_flow_and_field()
    {
        var failure = Assert.Single(Validate(Flows(FlowModes.Hybrid, Step("reserve-inventory", "inventory.teleport", null))));
        Assert.StartsWith("flows.json: Flows:Definitions:order-fulfillment:Steps:0:Operation 'inventory.teleport' is unknown", failure);
    }

    [Fact]
    public void A_step_that_changes_a_system_cannot_drop_its_compensation() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Step("charge-payment", "billing.charge", ""))),
            f => f.Contains("Steps:0:Compensation is required") && f.Contains("billing.refund"));

    [Fact]
    public void A_step_without_a_compensation_is_undone_by_its_operations_undo()
    {
        var flows = Flows(FlowModes.Hybrid, Step("charge-payment", "billing.charge", null));
        Assert.Empty(Validate(flows));
        var definition = flows.Definitions["order-fulfillment"].ToDefinition(flows);
        Assert.Equal("billing.refund", definition.Steps[0].Compensation);
        Assert.Equal(["billing.charge", "billing.refund"], definition.Operations.Keys.Order());
    }

    [Fact]
    public void A_compensation_that_undoes_something_else_is_refused() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Step("charge-payment", "billing.charge", "inventory.release"))),
            f => f.Contains("does not undo 'billing.charge'"));

    [Fact]
    public void Duplicate_step_names_are_refused() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference[0], Reference[0] with { Events = new StepEvents() })),
            f => f.Contains("Steps:1:Name 'reserve-inventory' is used by an earlier step"));

    [Fact]
    public void An_event_emitted_twice_is_a_loop_in_the_event_wiring() =>
        Assert.Contains(Validate(Flows(FlowModes.Choreography, Reference[0], Step("charge-payment", "billing.charge", "billing.refund", succeeded: "reserve-inventory.done"))),
            f => f.Contains("Steps:1:Events:Succeeded 'reserve-inventory.done' is also emitted by reserve-inventory:Succeeded") && f.Contains("loop"));

    [Fact]
    public void A_step_cannot_emit_the_sagas_own_start_event() =>
        Assert.Contains(Validate(Flows(FlowModes.Choreography, Step("reserve-inventory", "inventory.reserve", "inventory.release", succeeded: "order.processing"))),
            f => f.Contains("Events:Succeeded 'order.processing' is the saga's own outcome event"));

    [Fact]
    public void Choreographed_steps_must_name_their_events() =>
        Assert.Contains(Validate(Flows(FlowModes.Choreography, Reference[0] with { Events = new StepEvents() })),
            f => f.Contains("Steps:0:Events:Succeeded is required in choreography mode"));

    [Fact]
    public void The_order_flow_must_exist() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference) with { OrderFlow = "missing" }), f => f.Contains("Flows:OrderFlow names 'missing'"));

    [Fact]
    public void An_unknown_mode_is_refused() =>
        Assert.Contains(Validate(Flows("telepathy", Reference)), f => f.Contains("Flows:Definitions:order-fulfillment:Mode is 'telepathy'"));

    private static FlowsOptions WithOperation(string system, string name, OperationDefinition operation, params StepDefinition[] steps)
    {
        var systems = ShippedFlows.Systems.ToDictionary(s => s.Key, s => s.Value with { Operations = new(s.Value.Operations) });
        systems[system].Operations[name] = operation;
        return Flows(FlowModes.Hybrid, steps.Length > 0 ? steps : Reference) with { Systems = systems };
    }

    [Fact]
    public void The_shipped_flows_file_is_valid() => Assert.Empty(Validate(ShippedFlows.Options));

    [Fact]
    public void A_mutating_operation_without_an_undo_is_refused() =>
        Assert.Contains(Validate(WithOperation("billing", "charge", ShippedFlows.Systems["billing"].Operations["charge"] with { Undo = null })),
            f => f.Contains("Steps:1:Operation 'billing.charge' changes its system (POST) and declares no Undo (Flows:Systems:billing:Operations:charge:Undo)"));

    [Fact]
    public void A_bad_expression_is_named_with_its_system_operation_and_field() =>
        Assert.Contains(Validate(WithOperation("billing", "charge", ShippedFlows.Systems["billing"].Operations["charge"] with
            {
                Body = new() { ["amountCents"] = "${order.total Cents}" },
            })),
            f => f.StartsWith("flows.json: Flows:Systems:billing:Operations:charge:Body:amountCents has a bad expression", StringComparison.Ordinal));

    [Fact]
    public void An_operation_that_reads_a_later_step_is_refused() =>
        Assert.Contains(Validate(WithOperation("inventory", "reserve", ShippedFlows.Systems["inventory"].Operations["reserve"] with
            {
                Body = new() { ["chargeId"] = "${steps.charge-payment.result.chargeId}" },
            })),
            f => f.Contains("Steps:0:Operation 'inventory.reserve' reads 'steps.charge-payment.result.chargeId', but step 'charge-payment' does not always run before step 'reserve-inventory'"));

    [Fact]
    public void An_undo_that_is_not_an_operation_of_the_system_is_refused() =>
        Assert.Contains(Validate(WithOperation("billing", "charge", ShippedFlows.Systems["billing"].Operations["charge"] with { Undo = "teleport" })),
            f => f.Contains("Flows:Systems:billing:Operations:charge:Undo 'teleport' is not an operation of this system"));

    [Fact]
    public void A_status_with_two_meanings_is_refused() =>
        Assert.Contains(Validate(WithOperation("billing", "charge", ShippedFlows.Systems["billing"].Operations["charge"] with
            {
                Outcomes = new AnswerClassification { BusinessFailure = [409], Transient = [409] },
            })),
            f => f.Contains("Outcomes:Transient: 409 is also listed under BusinessFailure"));

    [Fact]
    public void A_get_with_a_body_and_a_path_without_a_slash_are_refused()
    {
        var failures = Validate(WithOperation("billing", "peek", new OperationDefinition { Method = "GET", Path = "charges", Body = new() { ["a"] = "b" } }));
        Assert.Contains(failures, f => f.Contains("Flows:Systems:billing:Operations:peek:Path 'charges' must start with '/'"));
        Assert.Contains(failures, f => f.Contains("Flows:Systems:billing:Operations:peek:Body: a GET sends no body"));
    }

    [Fact]
    public void A_system_without_a_base_url_is_refused()
    {
        var flows = Flows(FlowModes.Hybrid, Reference);
        var systems = new Dictionary<string, ProcessApi.Flows.SystemDefinition>(flows.Systems) { ["billing"] = flows.Systems["billing"] with { BaseUrl = null } };
        Assert.Contains(Validate(flows with { Systems = systems }), f => f.Contains("Flows:Systems:billing:BaseUrl is required"));
    }

    [Fact]
    public void A_replica_that_is_not_an_absolute_http_address_is_refused_and_a_good_one_is_taken()
    {
        var flows = Flows(FlowModes.Hybrid, Reference);
        var billing = flows.Systems["billing"];
        var bad = new Dictionary<string, ProcessApi.Flows.SystemDefinition>(flows.Systems)
        {
            ["billing"] = billing with { Replicas = [new Uri("http://127.0.0.1:5212"), new Uri("billing-2", UriKind.Relative)] },
        };
        Assert.Contains(Validate(flows with { Systems = bad }), f => f.Contains("Flows:Systems:billing:Replicas:1 must be an absolute http(s) address"));

        var good = new Dictionary<string, ProcessApi.Flows.SystemDefinition>(flows.Systems)
        {
            ["billing"] = billing with { Replicas = [new Uri("http://127.0.0.1:5212")] },
        };
        Assert.DoesNotContain(Validate(flows with { Systems = good }), f => f.Contains("Replicas"));
    }

    [Fact]
    public void A_read_step_needs_no_compensation_and_may_not_name_one()
    {
        Assert.Empty(Validate(Flows(FlowModes.Hybrid, Step("check-charge", "billing.get-charge", null))));
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Step("check-charge", "billing.get-charge", "billing.refund"))),
            f => f.Contains("Compensation 'billing.refund' undoes nothing: 'billing.get-charge' only reads"));
    }

    private static StepDefinition ChoiceOf(params ChoiceBranch[] branches) => new() { Name = "choose", Choice = new ChoiceDefinition { Branches = [.. branches] } };

    private static ChoiceBranch Branch(string when, params StepDefinition[] steps) => new() { When = when, Steps = [.. steps] };

    [Fact]
    public void A_bad_condition_is_named_with_its_step() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference[0], Reference[1] with { When = "order.totalCents >" })),
            f => f.StartsWith("flows.json: Flows:Definitions:order-fulfillment:Steps:1:When is not a condition", StringComparison.Ordinal));

    [Fact]
    public void A_condition_that_reads_a_later_step_is_refused() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference[0] with { When = "steps.charge-payment.status == 'succeeded'" }, Reference[1])),
            f => f.Contains("Steps:0:When reads step 'charge-payment', which does not always run before step 'reserve-inventory'"));

    [Fact]
    public void A_step_that_never_runs_is_unreachable() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference[0] with { When = "1 > 2" })),
            f => f.Contains("Steps:0:When '1 > 2' never holds: the step is unreachable"));

    [Fact]
    public void A_branch_after_one_that_always_holds_is_unreachable()
    {
        var failures = Validate(Flows(FlowModes.Hybrid, Reference[0],
            ChoiceOf(Branch("true", Step("check-a", "billing.get-charge", null)), Branch("order.totalCents > 5", Step("check-b", "billing.get-charge", null)))));
        Assert.Contains(failures, f => f.Contains("Steps:1:Choice:Branches:1 is unreachable: branch 0 always holds"));
    }

    [Fact]
    public void A_branch_with_the_same_condition_as_an_earlier_one_is_unreachable() =>
        Assert.Contains(Validate(Flows(FlowModes.Hybrid, Reference[0],
                ChoiceOf(Branch("order.totalCents > 5", Step("check-a", "billing.get-charge", null)), Branch("order.totalCents > 5", Step("check-b", "billing.get-charge", null))))),
            f => f.Contains("Steps:1:Choice:Branches:1 is unreachable: branch 0 has the same condition"));

    [Fact]
    public void A_step_may_not_read_a_step_of_another_branch()
    {
        var reads = new StepDefinition { Name = "check-b", Operation = "billing.get-charge", When = "steps.check-a.status == 'succeeded'" };
        var failures = Validate(Flows(FlowModes.Hybrid, Reference[0],
            ChoiceOf(Branch("order.totalCents > 5", Step("check-a", "billing.get-charge", null)), Branch("order.totalCents > 1", reads))));
        Assert.Contains(failures, f => f.Contains("Steps:1:Choice:Branches:1:Steps:0:When reads step 'check-a', which does not always run before step 'check-b'"));
    }

    [Fact]
    public void An_undo_that_has_an_undo_of_its_own_is_a_cycle() =>
        Assert.Contains(Validate(WithOperation("billing", "refund", ShippedFlows.Systems["billing"].Operations["refund"] with { Undo = "charge" })),
            f => f.Contains("Flows:Systems:billing:Operations:charge:Undo 'refund' declares an Undo of its own ('charge')") && f.Contains("cycle"));
}
