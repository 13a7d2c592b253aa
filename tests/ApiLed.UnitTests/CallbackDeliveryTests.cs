using ApiLed.Contracts;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApiLed.UnitTests;

/// <summary>
/// A callback that comes before its step is seen waiting (the external system answered faster than the step's outcome, or in
/// choreography its event, reached the process API) is held and taken once the step waits; one for a settled step is refused.
/// Against a real SQLite store.
/// </summary>
public sealed class CallbackDeliveryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly TempSagaStore temp = new("apiled-callback-");
    private readonly SagaStore store;
    private readonly CallbackDelivery delivery;

    public CallbackDeliveryTests()
    {
        store = temp.Store;
        var runner = new SagaRunner(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), store,
            temp.Leases(), NullLogger<SagaRunner>.Instance);
        delivery = new CallbackDelivery(store, runner, TimeProvider.System, new StoppedLifetime());
    }

    public void Dispose() => temp.Dispose();

    /// <summary>A choreographed saga (the participants drive it, so nothing here runs it) whose review step is under way.</summary>
    private async Task<SagaState> StartedAsync()
    {
        var flows = ShippedFlows.Options with
        {
            Definitions = new()
            {
                ["f"] = new ConfiguredFlow
                {
                    Mode = FlowModes.Choreography,
                    Steps =
                    [
                        new() { Name = "review", Operation = "risk.screen", Callback = new CallbackDefinition(),
                            Events = new StepEvents { Succeeded = "r.ok", Failed = "r.failed", Compensated = "r.undone" } },
                    ],
                },
            },
            OrderFlow = "f",
        };
        var order = new FulfillOrderCommand("ord-" + Guid.NewGuid().ToString("N"), "p", "c", [new PricedOrderLine("SKU-A", 1, 500)], 500, "EUR", "card",
            new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), T0);
        var fresh = SagaState.Start(order, "f", flows.Definitions["f"].ToDefinition(flows), null, T0);
        return (await store.StartAsync(fresh, [], CancellationToken.None)).Saga;
    }

    [Fact]
    public async Task A_callback_before_the_wait_is_held_then_taken_when_the_step_is_seen_waiting()
    {
        var saga = await StartedAsync();

        var outcome = await delivery.DeliverAsync(saga, "review", new EarlyCallback(true, """{"ok":true}""", T0), CancellationToken.None);
        Assert.Equal(CallbackDelivery.Outcome.Held, outcome);

        // The participant's event arrives: the step waits for its callback.
        var step = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        await store.RecordAsync(saga, SagaTransitions.CompleteStep(saga, step.Step, step.Definition, new StepOutcome.Succeeded("{}"), 1, T0),
            CancellationToken.None);
        Assert.True(await delivery.TakeHeldAsync(saga, CancellationToken.None));

        var now = (await store.FindAsync(saga.OrderId, CancellationToken.None))!;
        Assert.Equal(StepStatuses.Succeeded, now.Steps[0].Status);
        Assert.Equal("""{"ok":true}""", now.Steps[0].Result);
        Assert.False(await delivery.TakeHeldAsync(now, CancellationToken.None)); // taken once
    }

    [Fact]
    public async Task A_callback_for_a_step_already_settled_is_not_awaited()
    {
        var saga = await StartedAsync();
        var step = Assert.IsType<SagaAction.Execute>(SagaTransitions.Next(saga));
        await store.RecordAsync(saga, SagaTransitions.CompleteStep(saga, step.Step, step.Definition, new StepOutcome.Rejected(422, "no"), 1, T0),
            CancellationToken.None);

        Assert.Equal(CallbackDelivery.Outcome.NotAwaited,
            await delivery.DeliverAsync(saga, "review", new EarlyCallback(true, null, T0), CancellationToken.None));
        Assert.Null(await store.EarlyCallbackAsync(saga.OrderId, "review", CancellationToken.None));
    }

    private sealed class StoppedLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
