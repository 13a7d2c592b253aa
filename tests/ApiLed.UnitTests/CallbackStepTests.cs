using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>Callback steps: the token, the wait after the operation is accepted, the callback, and the deadline.</summary>
public sealed class CallbackStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly FulfillOrderCommand Order = new("ord-cb", "partner-a", "cust-1", [new PricedOrderLine("SKU-A", 1, 500)], 500,
        "EUR", "card-ok-4242", new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);

    private static readonly StepDefinition Review = new()
    {
        Name = "review", Operation = "risk.screen", Callback = new CallbackDefinition { Deadline = TimeSpan.FromMinutes(10) },
    };

    private static FlowsOptions Flows(params StepDefinition[] steps) => ShippedFlows.Options with
    {
        Definitions = new() { ["f"] = new ConfiguredFlow { Mode = FlowModes.Orchestration, Steps = [.. steps] } },
        OrderFlow = "f",
    };

    private static SagaState Start()
    {
        var flows = Flows(new StepDefinition { Name = "reserve-inventory", Operation = "inventory.reserve" }, Review,
            new StepDefinition { Name = "charge-payment", Operation = "billing.charge" });
        return SagaState.Start(Order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0);
    }

    private static SagaAction.AwaitCallback Awaiting(SagaState saga)
    {
        var reserve = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        SagaTransitions.CompleteStep(saga, reserve.Step, reserve.Definition, new StepOutcome.Succeeded("{}"), 1, T0);
        var review = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        var accepted = SagaTransitions.CompleteStep(saga, review.Step, review.Definition, new StepOutcome.Succeeded("""{"reviewId":"r-1"}"""), 1, T0);
        Assert.Equal("callback-awaited", accepted.Kind);
        Assert.Equal([OrderEvents.AwaitingCallback], accepted.AlsoPublish);
        Assert.Null(accepted.EventName); // the step's own success event comes with the callback
        return Assert.IsType<SagaAction.AwaitCallback>(SagaTransitions.Next(saga));
    }

    [Fact]
    public void The_token_is_the_same_for_a_step_every_time_and_differs_between_steps_and_sagas()
    {
        var saga = Start();
        var token = SagaTransitions.CallbackToken(saga, "review");

        Assert.StartsWith("ord-cb.", token);
        Assert.Equal(token, SagaTransitions.CallbackToken(saga, "review"));
        Assert.NotEqual(token, SagaTransitions.CallbackToken(saga, "other"));
        Assert.NotEqual(token, SagaTransitions.CallbackToken(Start(), "review")); // each saga has its own secret

        using var scope = OperationScope.Of(saga, "review");
        Assert.Equal(token, TextTemplate.Of("${callback.token}").Render(scope.RootElement));
        using var other = OperationScope.Of(saga, "reserve-inventory");
        Assert.False(other.RootElement.TryGetProperty("callback", out _)); // only the callback step's operation has a token
    }

    [Fact]
    public void After_its_operation_is_accepted_the_step_waits_and_a_successful_callback_goes_on_with_its_body_as_the_result()
    {
        var saga = Start();
        var awaiting = Awaiting(saga);
        Assert.Equal(T0.AddMinutes(10), awaiting.Deadline);
        Assert.Equal(T0.AddMinutes(10), saga.WaitingUntil);
        Assert.Null(awaiting.System); // nobody's action: the process API waits

        var called = SagaTransitions.CompleteCallback(saga, awaiting.Step, awaiting.Definition, true, """{"approvedBy":"acme"}""", T0.AddMinutes(1));

        Assert.Equal("callback-succeeded", called.Kind);
        Assert.Equal(StepStatuses.Succeeded, saga.Steps[1].Status);
        Assert.Equal("""{"approvedBy":"acme"}""", saga.Steps[1].Result);
        Assert.Null(saga.WaitingUntil);
        Assert.Equal("charge-payment", Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void A_failure_callback_rejects_the_step_and_compensates_the_steps_before()
    {
        var saga = Start();
        var awaiting = Awaiting(saga);

        SagaTransitions.CompleteCallback(saga, awaiting.Step, awaiting.Definition, false, "reviewer declined", T0.AddMinutes(1));

        Assert.Equal(SagaStatuses.Compensating, saga.Status);
        Assert.Equal("the callback said it failed: reviewer declined", saga.FailureReason);
        Assert.Equal(StepStatuses.Rejected, saga.Steps[1].Status);
        Assert.Equal("reserve-inventory", Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga)).Step.Name);
    }

    [Fact]
    public void At_the_deadline_the_step_is_faulted_and_undone_with_the_steps_before()
    {
        var saga = Start();
        var awaiting = Awaiting(saga);

        var missed = SagaTransitions.CallbackDeadlinePassed(saga, awaiting.Step, awaiting.Definition);

        Assert.Equal("callback-missed", missed.Kind);
        Assert.Equal(StepStatuses.Faulted, saga.Steps[1].Status);
        Assert.StartsWith("no callback by its deadline", saga.FailureReason);
        var first = Assert.IsType<SagaAction.Compensate>(SagaTransitions.Next(saga));
        Assert.Equal(("review", "risk.void"), (first.Step.Name, first.Definition.Compensation)); // what it started is withdrawn
    }

    [Fact]
    public void The_flows_file_is_checked_for_callback_mistakes()
    {
        var noOperation = Flows(new StepDefinition { Name = "review", Callback = new CallbackDefinition() });
        Assert.Contains(FlowValidator.Validate(noOperation, "flows.json"),
            f => f.StartsWith("flows.json: Flows:Definitions:f:Steps:0:Callback needs an Operation", StringComparison.Ordinal));

        var badDeadline = Flows(Review with { Callback = new CallbackDefinition { Deadline = TimeSpan.Zero } });
        Assert.Contains(FlowValidator.Validate(badDeadline, "flows.json"), f => f.EndsWith("Steps:0:Callback:Deadline must be a positive duration.", StringComparison.Ordinal));

        var tokenElsewhere = Flows(new StepDefinition { Name = "screen", Operation = "risk.screen" }) with
        {
            Systems = WithScreenBody("${callback.token}"),
        };
        Assert.Contains(FlowValidator.Validate(tokenElsewhere, "flows.json"),
            f => f.Contains("Steps:0:Operation 'risk.screen' reads 'callback.token', but only the operation of a callback step (Callback) has a token."));

        Assert.Empty(FlowValidator.Validate(Flows(Review) with { Systems = WithScreenBody("${callback.token}") }, "flows.json"));
    }

    private static Dictionary<string, SystemDefinition> WithScreenBody(string token)
    {
        var systems = new Dictionary<string, SystemDefinition>(ShippedFlows.Systems, StringComparer.Ordinal);
        var risk = systems["risk"];
        var operations = new Dictionary<string, OperationDefinition>(risk.Operations, StringComparer.Ordinal);
        operations["screen"] = operations["screen"] with { Body = new Dictionary<string, string>(operations["screen"].Body) { ["token"] = token } };
        systems["risk"] = risk with { Operations = operations };
        return systems;
    }
}
