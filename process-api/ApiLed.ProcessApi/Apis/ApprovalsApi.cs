using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.ProcessApi.Apis;

/// <summary>Human approvals: what waits for a decision, and the decisions (operators only, through the gateway).</summary>
public static class ApprovalsApi
{
    public static IEndpointRouteBuilder MapApprovalsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/approvals").WithTags("Approvals");
        var store = app.ServiceProvider.GetRequiredService<SagaStore>();
        ApiLedTelemetry.Meter.CreateObservableGauge<long>("apiled.approvals.pending", () => PendingCount(store),
            description: "Orders waiting for a person's approval, by group.");

        api.MapGet("/", async (SagaStore store, CancellationToken ct) =>
                TypedResults.Ok((await store.WaitingAsync(ct)).Select(Pending).OfType<PendingApprovalView>().ToList()))
            .WithSummary("Lists the orders waiting for an approval, oldest first, with who decides and the deadline.");

        foreach (var (path, approved, summary) in new[]
                 {
                     ("approve", true, "Approves an order waiting for approval, recording who decided and why; the order goes on."),
                     ("reject", false, "Rejects an order waiting for approval, recording who decided and why; the order fails and what was done is undone."),
                 })
        {
            api.MapPost($"/{{orderId}}/{path}", (string orderId, ApprovalDecisionRequest decision, SagaStore store, SagaRunner runner,
                    TimeProvider time, IHostApplicationLifetime lifetime, CancellationToken ct) =>
                    DecideAsync(orderId, approved, decision, store, runner, time, lifetime, ct))
                .WithSummary(summary)
                .Produces<ApprovalDecision>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        return app;
    }

    /// <summary>The approvals waiting now, by group, read when <c>/metrics</c> (or an exporter) asks; none when the store cannot say.</summary>
    private static IEnumerable<System.Diagnostics.Metrics.Measurement<long>> PendingCount(SagaStore store)
    {
        try
        {
            return store.WaitingAsync(CancellationToken.None).GetAwaiter().GetResult().Select(Pending).OfType<PendingApprovalView>()
                .GroupBy(p => p.Group).Select(g => new System.Diagnostics.Metrics.Measurement<long>(g.Count(), new KeyValuePair<string, object?>("group", g.Key)))
                .ToList();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or ObjectDisposedException)
        {
            return [];
        }
    }

    private static PendingApprovalView? Pending(SagaState saga)
    {
        if (SagaTransitions.Next(saga) is not SagaAction.AwaitApproval awaiting || awaiting.Definition.Approval is not { } approval)
        {
            return null;
        }

        var pending = PendingApproval.From(awaiting.Step);
        return new PendingApprovalView(saga.OrderId, saga.Flow, awaiting.Step.Name, pending?.Group ?? approval.Group, pending?.Escalated ?? false,
            awaiting.Deadline, pending?.Escalated == true ? "reject" : approval.OnDeadline, saga.Order.PartnerId, saga.Order.CustomerId,
            saga.Order.TotalCents, saga.Order.Currency, saga.Order.AcceptedAt);
    }

    private static async Task<IResult> DecideAsync(string orderId, bool approved, ApprovalDecisionRequest decision, SagaStore store,
        SagaRunner runner, TimeProvider time, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Check(!string.IsNullOrWhiteSpace(decision.By), "by", "Who decides is required (e.g. an operator's name or id).")
            .Check(!string.IsNullOrWhiteSpace(decision.Reason), "reason", "Why is required.")
            .Check((decision.By?.Length ?? 0) <= 200 && (decision.Reason?.Length ?? 0) <= 2000, "reason", "By is at most 200 characters, Reason 2000.");
        if (errors.Any)
        {
            return errors.ToResult();
        }

        var saga = await store.FindAsync(orderId, ct);
        if (saga is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "saga-not-found", "No saga for this order.", $"Order '{orderId}' has no saga.");
        }

        if (SagaTransitions.Next(saga) is not SagaAction.AwaitApproval awaiting)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "not-awaiting-approval", "The order is not waiting for an approval.",
                $"Order '{orderId}' is {saga.Status} and waits for no approval (decided already, or never asked); GET /api/v1/approvals lists those that wait.");
        }

        var at = time.GetUtcNow();
        try
        {
            await store.RecordAsync(saga, SagaTransitions.DecideApproval(saga, awaiting.Step, awaiting.Definition, approved, decision.By!.Trim(),
                decision.Reason!.Trim(), at), ct);
        }
        catch (SagaConcurrencyException)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "saga-changed", "The order changed while the decision was recorded.",
                $"Order '{orderId}' changed meanwhile (its deadline may have passed); list the approvals again.");
        }

        if (saga.DrivenByProcessApi)
        {
            runner.RunInBackground(orderId, lifetime.ApplicationStopping); // otherwise the recovery scan resumes it within its interval
        }

        return TypedResults.Ok(new ApprovalDecision(approved ? "approved" : "rejected", decision.By!.Trim(), decision.Reason!.Trim(), at));
    }
}
