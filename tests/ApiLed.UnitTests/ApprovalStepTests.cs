using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>Approval steps: asked when the step before succeeds, decided by a person or by the deadline's action.</summary>
public sealed class ApprovalStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly FulfillOrderCommand Order = new("ord-a", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 1, 150_000)], 150_000,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);

    private static SagaState AskedAt(DateTimeOffset asked, ApprovalDefinition approval)
    {
        var flows = ShippedFlows.Options with
        {
            Definitions = new()
            {
                ["f"] = new ConfiguredFlow
                {
                    Mode = FlowModes.Orchestration,
                    Steps =
                    [
                        new StepDefinition { Name = "reserve-inventory", Operation = "inventory.reserve" },
                        new StepDefinition { Name = "approve", Approval = approval, Events = new StepEvents { Succeeded = "approval.granted" } },
                        new StepDefinition { Name = "charge-payment", Operation = "billing.charge" },
                    ],
                },
            },
            OrderFlow = "f",
        };
        var saga = SagaState.Start(Order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0);
        var reserve = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        var reserved = SagaTransitions.CompleteStep(saga, reserve.Step, reserve.Definition, new StepOutcome.Succeeded("{}"), 1, asked);
        Assert.Equal([OrderEvents.AwaitingApproval], reserved.AlsoPublish);
        return saga;
    }

    [Fact]
    public void An_approval_is_asked_when_the_step_before_succeeds_and_an_approval_lets_the_order_go_on()
    {
        var saga = AskedAt(T0, new ApprovalDefinition { Group = "finance", Deadline = TimeSpan.FromHours(1) });
        var awaiting = Assert.IsType<SagaAction.AwaitApproval>(SagaTransitions.Next(saga));
        Assert.Equal(T0.AddHours(1), awaiting.Deadline);
        Assert.Equal(StepStatuses.AwaitingApproval, awaiting.Step.Status);
        Assert.Contains("\"group\":\"finance\"", awaiting.Step.Result);
        Assert.Null(awaiting.System);

        var decided = SagaTransitions.DecideApproval(saga, awaiting.Step, awaiting.Definition, true, "ops-ann", "known customer", T0.AddMinutes(5));

        Assert.Equal("approval-approved", decided.Kind);
        Assert.Equal("approval.granted", decided.EventName);
        Assert.Equal([OrderEvents.ApprovalDecided], decided.AlsoPublish);
        Assert.Equal(StepStatuses.Approved, saga.Steps[1].Status);
        Assert.Contains("\"by\":\"ops-ann\"", saga.Steps[1].Result);
        Assert.Null(saga.WaitingUntil);
        Assert.Equal("charge-payment", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void A_rejection_fails_the_order_and_compensates_the_steps_before()
    {
        var saga = AskedAt(T0, new ApprovalDefinition { Deadline = TimeSpan.FromHours(1) });
        var awaiting = Assert.IsType<SagaAction.AwaitApproval>(SagaTransitions.Next(saga));

        SagaTransitions.DecideApproval(saga, awaiting.Step, awaiting.Definition, false, "ops-bob", "card looks stolen", T0.AddMinutes(1));

        Assert.Equal(SagaStatuses.Compensating, saga.Status);
        Assert.Equal("rejected by ops-bob: card looks stolen", saga.FailureReason);
        Assert.Equal([StepStatuses.Succeeded, StepStatuses.Rejected, StepStatuses.Skipped], saga.Steps.Select(s => s.Status));
        Assert.Equal("reserve-inventory", Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void An_escalation_hands_the_approval_over_once_then_the_deadline_rejects()
    {
        var saga = AskedAt(T0, new ApprovalDefinition
        {
            Group = "sales", Deadline = TimeSpan.FromMinutes(10), OnDeadline = ApprovalDeadlines.Escalate, EscalateTo = "sales-leads",
        });
        var first = Assert.IsType<SagaAction.AwaitApproval>(SagaTransitions.Next(saga));

        var escalated = SagaTransitions.ApprovalDeadlinePassed(saga, first.Step, first.Definition, T0.AddMinutes(10));
        Assert.Equal("approval-escalated", escalated.Kind);
        var second = Assert.IsType<SagaAction.AwaitApproval>(SagaTransitions.Next(saga));
        Assert.Equal(T0.AddMinutes(20), second.Deadline);
        Assert.Contains("\"group\":\"sales-leads\",\"escalated\":true", second.Step.Result);

        SagaTransitions.ApprovalDeadlinePassed(saga, second.Step, second.Definition, T0.AddMinutes(20));
        Assert.Equal(StepStatuses.Rejected, saga.Steps[1].Status);
        Assert.StartsWith("rejected by the deadline: undecided by sales-leads", saga.FailureReason);
    }

    [Fact]
    public void A_deadline_may_approve()
    {
        var saga = AskedAt(T0, new ApprovalDefinition { Deadline = TimeSpan.FromMinutes(1), OnDeadline = ApprovalDeadlines.Approve });
        var awaiting = Assert.IsType<SagaAction.AwaitApproval>(SagaTransitions.Next(saga));

        SagaTransitions.ApprovalDeadlinePassed(saga, awaiting.Step, awaiting.Definition, T0.AddMinutes(1));

        Assert.Equal(StepStatuses.Approved, saga.Steps[1].Status);
        Assert.Contains("\"by\":\"the deadline\"", saga.Steps[1].Result);
    }

    [Theory]
    [InlineData("", "00:01:00", "reject", null, "Approval:Group is required")]
    [InlineData("ops", "00:00:00", "reject", null, "Approval:Deadline must be a positive duration")]
    [InlineData("ops", "00:01:00", "shrug", null, "Approval:OnDeadline is 'shrug'; use one of reject, approve, escalate")]
    [InlineData("ops", "00:01:00", "escalate", null, "Approval:EscalateTo is required when OnDeadline is escalate")]
    public void A_bad_approval_is_named_with_its_step(string group, string deadline, string onDeadline, string? escalateTo, string expected)
    {
        var approval = new ApprovalDefinition
        {
            Group = group, Deadline = TimeSpan.Parse(deadline, System.Globalization.CultureInfo.InvariantCulture), OnDeadline = onDeadline,
            EscalateTo = escalateTo,
        };
        var flows = ShippedFlows.Options with
        {
            Definitions = new() { ["f"] = new ConfiguredFlow { Steps = [new StepDefinition { Name = "approve", Approval = approval }] } },
            OrderFlow = "f",
        };
        Assert.Contains(FlowValidator.Validate(flows, "flows.json"), f => f.Contains("Flows:Definitions:f:Steps:0:" + expected));
    }
}
