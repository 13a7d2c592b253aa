using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>
/// The operator of a run with <c>--approvals</c>: every second it lists the orders waiting for an approval through the gateway
/// and decides the run's own as planned (approve, reject, or leave to the deadline), through the faults, until stopped. A
/// decision that got no answer, or a 5xx or 429, is sent again at the next round; 200 and 409 are final.
/// </summary>
internal sealed class ApprovalDesk(GatewayClient gateway, IReadOnlyList<OrderRecord> records, Action<string> say)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var byOrder = new Dictionary<string, OrderRecord>(StringComparer.Ordinal);
        var decided = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var r in records.Where(r => r.OrderId is not null && r.Planned.Approval != ApprovalPlan.None))
            {
                byOrder.TryAdd(r.OrderId!, r);
            }

            if (await gateway.ListApprovalsAsync(stop) is { } waiting)
            {
                foreach (var id in waiting)
                {
                    if (!byOrder.TryGetValue(id, out var r) || r.ApprovalAnswer is 200 or 409
                        || r.Planned.Approval is not (ApprovalPlan.Approve or ApprovalPlan.Reject))
                    {
                        continue;
                    }

                    r.ApprovalAnswer = await gateway.DecideApprovalAsync(id, r.Planned.Approval == ApprovalPlan.Approve, stop);
                    decided += r.ApprovalAnswer == 200 ? 1 : 0;
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        say($"  the operator decided {decided} approvals");
    }

    /// <summary>Whether a large order's outcome keeps its approval: rejected ones never complete, approved ones never fail at the approval.</summary>
    public static string? Broken(OrderRecord r)
    {
        var status = r.Final?.Status;
        var atApproval = r.Final?.Failure is { Step: "approve-large-order" } f ? f.Reason : null;
        return r.Planned.Approval switch
        {
            ApprovalPlan.Reject when r.ApprovalAnswer == 200 && (status != SagaStatuses.Failed || atApproval?.StartsWith("rejected by chaos-desk", StringComparison.Ordinal) != true)
                => $"rejected by the operator but {status} ({atApproval ?? "no rejection recorded"})",
            ApprovalPlan.Undecided when status == SagaStatuses.Completed => "left undecided but completed",
            ApprovalPlan.Undecided when atApproval is not null && !atApproval.StartsWith("rejected by the deadline", StringComparison.Ordinal)
                => $"left undecided but failed at the approval: {atApproval}",
            ApprovalPlan.Approve when r.ApprovalAnswer == 200 && atApproval is not null => $"approved by the operator but failed at the approval: {atApproval}",
            ApprovalPlan.Approve when status == SagaStatuses.Completed && r.ApprovalAnswer != 200 => $"completed with no approval taken (answer {r.ApprovalAnswer})",
            ApprovalPlan.Reject when status == SagaStatuses.Completed => $"meant to be rejected but completed (answer {r.ApprovalAnswer})",
            _ => null,
        };
    }
}
