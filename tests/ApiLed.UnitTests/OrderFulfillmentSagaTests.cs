using System.Net;
using ApiLed.Contracts;
using ApiLed.Messaging;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>
/// The saga runner on its own: a real SQLite store in a temp folder and system APIs replaced by scripted HTTP
/// answers, so the order of calls, the idempotency keys and the persisted outcome can be checked exactly.
/// </summary>
public sealed class OrderFulfillmentSagaTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("apiled-saga-").FullName;
    private readonly List<(string Path, string Key)> calls = [];
    private readonly SagaStore store;
    private readonly SqliteDatabase database;
    private Func<string, HttpStatusCode> answer = _ => HttpStatusCode.OK;
    private Func<string, Task> arrive = _ => Task.CompletedTask;

    public OrderFulfillmentSagaTests()
    {
        database = new SqliteDatabase(Options.Create(new StoreOptions { Path = Path.Combine(folder, "process.db") }), TimeProvider.System);
        store = new SagaStore(database, new OutboxStore(database, new OutboxSignal(), TimeProvider.System), TimeProvider.System, NullLogger<SagaStore>.Instance);
        store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task A_failing_last_step_compensates_the_earlier_steps_in_reverse_order()
    {
        answer = path => path == "/api/v1/shipments" ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.OK;

        var saga = await RunAsync("ord-1");

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.Equal(
            ["/api/v1/reservations", "/api/v1/charges", "/api/v1/shipments", "/api/v1/charges/ord-1/refund", "/api/v1/reservations/ord-1/release"],
            calls.Select(c => c.Path));
        Assert.Equal(["compensated", "compensated", "rejected"], saga.Steps.Select(s => s.Status));
        Assert.Equal("create-shipment", saga.FailedStep);
    }

    [Fact]
    public async Task A_step_that_faults_after_its_retries_is_compensated_too_because_its_outcome_is_unknown()
    {
        answer = path => path == "/api/v1/charges" ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;

        var saga = await RunAsync("ord-2");

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.Equal(2, calls.Count(c => c.Path == "/api/v1/charges"));
        Assert.Single(calls, c => c.Path == "/api/v1/charges/ord-2/refund");
        Assert.Equal(["compensated", "compensated", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.DoesNotContain(calls, c => c.Path == "/api/v1/shipments");
    }

    [Fact]
    public async Task Every_attempt_of_a_step_carries_the_same_idempotency_key()
    {
        answer = path => path == "/api/v1/charges" ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;

        await RunAsync("ord-3");

        var keys = calls.Where(c => c.Path == "/api/v1/charges").Select(c => c.Key).Distinct().ToList();
        Assert.Equal(["ord-3/charge-payment/billing.charge"], keys);
    }

    [Fact]
    public async Task A_compensation_that_keeps_failing_parks_the_saga_and_queues_a_parking_lot_message()
    {
        answer = path => path switch
        {
            "/api/v1/shipments" => HttpStatusCode.UnprocessableEntity,
            "/api/v1/reservations/ord-4/release" => HttpStatusCode.InternalServerError,
            _ => HttpStatusCode.OK,
        };

        var saga = await RunAsync("ord-4");

        Assert.Equal(SagaStatuses.NeedsAttention, saga.Status);
        Assert.Equal(StepStatuses.CompensationFailed, saga.Steps[0].Status);
        Assert.Equal(3, calls.Count(c => c.Path == "/api/v1/reservations/ord-4/release"));
        var queued = await database.ReadAsync(c => c.QueryAsync("SELECT exchange, type FROM outbox ORDER BY seq",
            r => (Exchange: r.GetString(0), Type: r.GetString(1)), null, CancellationToken.None), CancellationToken.None);
        Assert.Contains(queued, m => m.Exchange == Topology.ParkingLotExchange && m.Type == "apiled.saga.needs-attention.v1");
        Assert.Contains(queued, m => m.Type == MessageTypes.SagaEvent("order.needs-attention"));
    }

    [Fact]
    public async Task A_saga_persisted_mid_step_resumes_that_step_and_finishes()
    {
        var fresh = NewSaga("ord-5");
        await store.StartAsync(fresh, [], CancellationToken.None);
        var saved = (await store.FindAsync("ord-5", CancellationToken.None))!;
        saved.Steps[0].Status = StepStatuses.Succeeded;
        saved.Steps[1].Status = StepStatuses.Running;
        await store.RecordAsync(saved, new SagaTransition("test", null, null, null), CancellationToken.None);

        var resumed = (await store.FindAsync("ord-5", CancellationToken.None))!;
        await Saga().RunAsync(resumed, CancellationToken.None);

        Assert.Equal(SagaStatuses.Completed, resumed.Status);
        Assert.Equal(["/api/v1/charges", "/api/v1/shipments"], calls.Select(c => c.Path));
        Assert.Contains(await store.HistoryAsync("ord-5", CancellationToken.None), h => h.Kind == "step-resumed" && h.Step == "charge-payment");
    }

    [Fact]
    public async Task A_stale_copy_of_a_saga_cannot_overwrite_a_newer_one()
    {
        await store.StartAsync(NewSaga("ord-6"), [], CancellationToken.None);
        var first = (await store.FindAsync("ord-6", CancellationToken.None))!;
        var stale = (await store.FindAsync("ord-6", CancellationToken.None))!;
        await store.RecordAsync(first, new SagaTransition("first", null, null, null), CancellationToken.None);

        await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            store.RecordAsync(stale, new SagaTransition("stale", null, null, null), CancellationToken.None));
    }

    [Fact]
    public async Task A_system_unavailable_for_less_than_the_patience_delays_the_step_without_failing_it()
    {
        var charges = 0;
        answer = path => path == "/api/v1/charges" && Interlocked.Increment(ref charges) <= 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;

        var saga = await RunAsync("ord-7", patience: TimeSpan.FromSeconds(20));

        Assert.Equal(SagaStatuses.Completed, saga.Status);
        Assert.Equal(4, calls.Count(c => c.Path == "/api/v1/charges"));
        Assert.DoesNotContain(calls, c => c.Path.EndsWith("/refund", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_system_unavailable_past_the_patience_fails_the_step_and_compensates()
    {
        answer = path => path == "/api/v1/charges" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;

        // The step's clock moves 100 ms each time it is read, so the patience runs out after a known number of calls.
        var saga = await RunAsync("ord-8", patience: TimeSpan.FromSeconds(1), clock: new SteppingClock(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.InRange(calls.Count(c => c.Path == "/api/v1/charges"), 5, 20); // past the step's 2 attempts, while the patience lasts
        Assert.Contains("past the patience", saga.Steps[1].Error);
        Assert.Equal(["compensated", "compensated", "skipped"], saga.Steps.Select(s => s.Status));
    }

    [Fact]
    public async Task A_step_whose_calls_were_never_sent_fails_with_nothing_to_undo()
    {
        answer = path => path == "/api/v1/charges" ? CircuitOpen : HttpStatusCode.OK;

        var saga = await RunAsync("ord-10", patience: TimeSpan.FromSeconds(1), clock: new SteppingClock(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.Equal(["compensated", "unreached", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.DoesNotContain(calls, c => c.Path.EndsWith("/refund", StringComparison.Ordinal)); // the charge never reached billing
        Assert.Contains(calls, c => c.Path.EndsWith("/release", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_step_whose_earlier_call_may_have_reached_its_system_is_undone_even_if_the_later_were_not_sent()
    {
        var charges = 0;
        answer = path => path == "/api/v1/charges"
            ? Interlocked.Increment(ref charges) == 1 ? HttpStatusCode.InternalServerError : CircuitOpen
            : HttpStatusCode.OK;

        var saga = await RunAsync("ord-11", patience: TimeSpan.FromSeconds(1), clock: new SteppingClock(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(["compensated", "compensated", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.Contains(calls, c => c.Path.EndsWith("/refund", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_connection_may_follow_a_delivered_request_so_the_step_is_undone()
    {
        answer = path => path == "/api/v1/charges" ? Refused : HttpStatusCode.OK;

        var saga = await RunAsync("ord-12", patience: TimeSpan.FromSeconds(1), clock: new SteppingClock(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(["compensated", "compensated", "skipped"], saga.Steps.Select(s => s.Status));
        Assert.Contains(calls, c => c.Path.EndsWith("/refund", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_business_rejection_fails_at_once_whatever_the_patience()
    {
        answer = path => path == "/api/v1/charges" ? HttpStatusCode.PaymentRequired : HttpStatusCode.OK;

        var saga = await RunAsync("ord-9", patience: TimeSpan.FromMinutes(5));

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.Single(calls, c => c.Path == "/api/v1/charges");
    }

    [Fact]
    public async Task A_choreographed_saga_taken_over_compensates_every_step_not_known_settled_in_reverse()
    {
        var (saga, _) = await store.StartAsync(NewSaga("ord-10", FlowModes.Choreography), [], CancellationToken.None);
        saga.Steps[0].Status = StepStatuses.Succeeded;
        await store.RecordAsync(saga, new SagaTransition("event inventory.reserved", "reserve-inventory", null, null), CancellationToken.None);

        var takeover = SagaTransitions.TakeOver(saga, "charge-payment", "no event from billing");
        await store.RecordAsync(saga, takeover, CancellationToken.None);
        await Saga().RunAsync(saga, CancellationToken.None);

        var stored = (await store.FindAsync("ord-10", CancellationToken.None))!;
        Assert.True(stored.TakenOver);
        Assert.True(stored.Version > SagaTransitions.TakeoverVersionGap, "a takeover raises the version above anything the participants can still emit");
        Assert.Equal(SagaStatuses.Failed, stored.Status);
        Assert.Equal(["/api/v1/shipments/ord-10/cancel", "/api/v1/charges/ord-10/refund", "/api/v1/reservations/ord-10/release"],
            calls.Select(c => c.Path));
        Assert.All(stored.Steps, s => Assert.Equal(StepStatuses.Compensated, s.Status));
        Assert.Equal("charge-payment", stored.FailedStep);
    }

    [Fact]
    public async Task A_choreographed_saga_taken_over_with_every_step_done_is_finished_without_any_call()
    {
        var (saga, _) = await store.StartAsync(NewSaga("ord-11", FlowModes.Choreography), [], CancellationToken.None);
        saga.Steps.ForEach(s => s.Status = StepStatuses.Succeeded);

        await store.RecordAsync(saga, SagaTransitions.TakeOver(saga, null, "no outcome event"), CancellationToken.None);
        await Saga().RunAsync(saga, CancellationToken.None);

        Assert.Equal(SagaStatuses.Completed, (await store.FindAsync("ord-11", CancellationToken.None))!.Status);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task An_operator_retry_of_a_parked_choreographed_saga_takes_it_over_for_the_process_api()
    {
        var (saga, _) = await store.StartAsync(NewSaga("ord-12", FlowModes.Choreography), [], CancellationToken.None);
        saga.Steps[0].Status = StepStatuses.CompensationFailed;
        saga.Steps[1].Status = StepStatuses.Rejected;
        saga.Steps[2].Status = StepStatuses.Skipped;
        saga.Status = SagaStatuses.NeedsAttention;
        await store.RecordAsync(saga, new SagaTransition("saga-parked", "reserve-inventory", null, null), CancellationToken.None);

        await store.RecordAsync(saga, SagaTransitions.RetryCompensation(saga, "ops-test", "billing is back"), CancellationToken.None);
        Assert.True(saga.DrivenByProcessApi);
        await Saga().RunAsync(saga, CancellationToken.None);

        Assert.Equal(SagaStatuses.Failed, (await store.FindAsync("ord-12", CancellationToken.None))!.Status);
        Assert.Equal(["/api/v1/reservations/ord-12/release"], calls.Select(c => c.Path));
        Assert.Contains(await store.HistoryAsync("ord-12", CancellationToken.None), h => h.Kind == "operator-retry");
    }

    [Fact]
    public async Task The_recovery_scan_reads_every_saga_it_drives_but_only_choreographed_ones_quiet_long_enough_to_stall()
    {
        var now = DateTimeOffset.UtcNow;
        async Task StartAsync(string id, string mode, TimeSpan age, bool takenOver = false)
        {
            var saga = NewSaga(id, mode);
            saga.UpdatedAt = now - age;
            saga.TakenOver = takenOver;
            await store.StartAsync(saga, [], CancellationToken.None);
        }

        await StartAsync("young-choreographed", FlowModes.Choreography, TimeSpan.FromSeconds(1));
        await StartAsync("old-choreographed", FlowModes.Choreography, TimeSpan.FromMinutes(1));
        await StartAsync("young-taken-over", FlowModes.Choreography, TimeSpan.FromSeconds(1), takenOver: true);
        await StartAsync("young-hybrid", FlowModes.Hybrid, TimeSpan.FromSeconds(1));
        await StartAsync("young-orchestrated", FlowModes.Orchestration, TimeSpan.FromSeconds(1));

        var scanned = await store.UnfinishedAsync(now - TimeSpan.FromSeconds(10), now, CancellationToken.None);

        Assert.Equal(["old-choreographed", "young-hybrid", "young-orchestrated", "young-taken-over"], scanned.Select(s => s.OrderId).Order());
    }

    [Fact]
    public async Task The_recovery_scan_reads_a_waiting_saga_only_once_its_wait_is_due()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, until) in new[] { ("due", now.AddSeconds(-1)), ("later", now.AddHours(1)), ("due-other-offset", now.AddSeconds(-1).ToOffset(TimeSpan.FromHours(5))) })
        {
            var saga = NewSaga(id, FlowModes.Choreography);
            saga.WaitingUntil = until;
            await store.StartAsync(saga, [], CancellationToken.None);
        }

        var scanned = await store.UnfinishedAsync(now - TimeSpan.FromSeconds(10), now, CancellationToken.None);

        Assert.Equal(["due", "due-other-offset"], scanned.Select(s => s.OrderId).Order());
    }

    [Fact]
    public async Task The_branches_of_a_parallel_step_call_at_the_same_time_and_join_before_the_flow_goes_on()
    {
        var charging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shipping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        arrive = async path =>
        {
            // Each branch's call waits (at most 10 s) for the other's: both only answer if they are in flight together.
            var (mine, other) = path switch
            {
                "/api/v1/charges" => (charging, shipping),
                "/api/v1/shipments" => (shipping, charging),
                _ => (null, null),
            };
            mine?.TrySetResult();
            if (other is not null)
            {
                await other.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
        };

        var saga = await RunAsync("ord-par-1", parallel: true);

        Assert.Equal(SagaStatuses.Completed, saga.Status);
        Assert.Equal(["succeeded", "succeeded", "succeeded"], saga.Steps.Select(s => s.Status));
        Assert.Equal("/api/v1/reservations", calls[0].Path); // the step before the parallel one runs first
    }

    [Fact]
    public async Task A_failing_parallel_branch_has_its_siblings_that_succeeded_compensated()
    {
        answer = path => path == "/api/v1/shipments" ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.OK;

        var saga = await RunAsync("ord-par-2", parallel: true);

        Assert.Equal(SagaStatuses.Failed, saga.Status);
        Assert.Equal("create-shipment", saga.FailedStep);
        Assert.Equal(["compensated", "compensated", "rejected"], saga.Steps.Select(s => s.Status));
        Assert.Single(calls, c => c.Path == "/api/v1/charges/ord-par-2/refund");
        Assert.Equal("/api/v1/reservations/ord-par-2/release", calls[^1].Path); // undone in reverse: the branches first
    }

    private async Task<SagaState> RunAsync(string orderId, TimeSpan? patience = null, TimeProvider? clock = null, bool parallel = false)
    {
        var fresh = NewSaga(orderId);
        if (parallel)
        {
            // reserve, then charge ∥ ship: the shipped steps with the last two in one parallel group.
            var steps = fresh.Definition.Steps;
            fresh = NewSaga(orderId, definition: fresh.Definition with
            {
                Steps = [steps[0], steps[1] with { Group = "fulfil", Lane = 0 }, steps[2] with { Group = "fulfil", Lane = 1 }],
            });
        }

        var (saga, _) = await store.StartAsync(fresh, [], CancellationToken.None);
        await Saga(patience ?? TimeSpan.Zero, clock).RunAsync(saga, CancellationToken.None);
        return (await store.FindAsync(orderId, CancellationToken.None))!;
    }

    private static SagaState NewSaga(string orderId, string mode = FlowModes.Hybrid, FlowDefinition? definition = null)
    {
        var shipped = ShippedFlows.Definition();
        var flow = definition ?? shipped with
        {
            Mode = mode,
            Steps = [.. shipped.Steps.Select(s => s with { Retry = new RetryDefinition { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) } })],
        };
        var order = new FulfillOrderCommand(orderId, "p", "c", [new PricedOrderLine("SKU-A", 1, 500)], 500, "EUR", "card",
            new ShippingAddress("A", "B", "C", "D", "GB"), DateTimeOffset.UtcNow);
        return SagaState.Start(order, "order-fulfillment", flow, "corr", DateTimeOffset.UtcNow);
    }

    private OrderFulfillmentSaga Saga(TimeSpan patience = default, TimeProvider? clock = null)
    {
        HttpClient Client() => new(new ScriptedHandler(this)) { BaseAddress = new Uri("http://system.test") };
        var operations = new DeclaredOperations(new ScriptedSystems(Client()));
        var options = Options.Create(new SagaOptions { Compensation = new CompensationPolicy { Retry = new RetryDefinition { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) } } });
        return new OrderFulfillmentSaga(store, new SagaStepExecutor(operations, new StepPolicies(patience, clock ?? TimeProvider.System)), options, clock ?? TimeProvider.System, NullLogger<OrderFulfillmentSaga>.Instance);
    }

    public void Dispose()
    {
        database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A clock that moves on by <paramref name="step"/> each time it is read.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private DateTimeOffset now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now += step;
    }

    /// <summary>Every system is reached through the one scripted client.</summary>
    private sealed class ScriptedSystems(HttpClient client) : ISystemDirectory
    {
        public bool TryGetClient(string system, out HttpClient found)
        {
            found = client;
            return true;
        }

        public OperationDefinition? CurrentOperation(string qualifiedName) => null;
    }

    /// <summary>An answer the scripted handler gives as a refused connection: the request never reaches the system.</summary>
    private const HttpStatusCode Refused = (HttpStatusCode)1;

    /// <summary>An answer the scripted handler gives as an open circuit breaker: the request is not sent.</summary>
    private const HttpStatusCode CircuitOpen = (HttpStatusCode)2;

    private sealed class ScriptedHandler(OrderFulfillmentSagaTests test) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            lock (test.calls)
            {
                test.calls.Add((path, request.Headers.GetValues("Idempotency-Key").Single()));
            }

            await test.arrive(path);

            var status = test.answer(path);
            if (status == Refused)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (scripted)");
            }

            if (status == CircuitOpen)
            {
                throw new Polly.CircuitBreaker.BrokenCircuitException("The circuit is open (scripted)");
            }

            return new HttpResponseMessage(status)
            {
                Content = new StringContent((int)status < 400 ? "{}" : "{\"detail\":\"scripted failure\"}"),
            };
        }
    }
}
