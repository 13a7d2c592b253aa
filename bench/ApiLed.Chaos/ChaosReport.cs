using System.Globalization;
using System.Text.Json;
using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>The figures of a run, the faults with their times and every violation: printed as Markdown tables, and optionally written as JSON.</summary>
internal sealed class ChaosReport
{
    private readonly List<(string Figure, string Value)> _figures = [];

    public required string Title { get; init; }

    public IReadOnlyList<FaultRecord> Faults { get; set; } = [];

    public IReadOnlyList<Violation> Violations { get; set; } = [];

    /// <summary>Orders still not completed or failed at the end (needs-attention included).</summary>
    public int Unsettled { get; private set; }

    public int Accepted { get; private set; }

    /// <summary>Collects the figures from the orders and the system records.</summary>
    public void Summarize(IReadOnlyList<OrderRecord> records, OrderMix mix, SystemSnapshot snapshot, (int Sent, int Accepted) operatorRetries,
        TimeSpan loadWindow, TimeSpan settledAfter, TimeSpan whole)
    {
        var accepted = records.Where(r => r.OrderId is not null).ToList();
        var ours = accepted.Select(r => r.OrderId!).ToHashSet(StringComparer.Ordinal);
        int Count(string status) => accepted.Count(r => r.Final?.Status == status);
        string ByKind(OrderKind kind) =>
            $"{accepted.Count(r => r.Planned.Kind == kind && r.Final?.Status == SagaStatuses.Completed)} / {accepted.Count(r => r.Planned.Kind == kind && r.Final?.Status == SagaStatuses.Failed)}";
        var replays = records.Where(r => r.Planned.ReplayAfter is not null).ToList();
        Accepted = accepted.Count;
        Unsettled = accepted.Count(r => r.Final?.Status is not (SagaStatuses.Completed or SagaStatuses.Failed));
        var net = snapshot.Charges.Where(c => ours.Contains(c.OrderId)).Sum(c => c.AmountCents - c.RefundedCents);

        Add("orders sent", records.Count);
        Add("accepted (202)", accepted.Count);
        Add("POST requests (client retries and replays included)", records.Sum(r => r.Attempts));
        Add("replays sent / answered with the same order", $"{replays.Count} / {replays.Count(r => r.ReplayAnswered && r.ReplayOrderId == r.OrderId)}");
        Add("completed", Count(SagaStatuses.Completed));
        Add("failed", Count(SagaStatuses.Failed));
        Add("needs-attention", Count(SagaStatuses.NeedsAttention));
        Add("not terminal", accepted.Count(r => r.Final?.IsTerminal != true));
        Add("ordinary: completed / failed", ByKind(OrderKind.Ordinary));
        Add("declined card: completed / failed", ByKind(OrderKind.Declined));
        Add("unserved country (AQ): completed / failed", ByKind(OrderKind.Unserved));
        Add($"scarce SKU (stock {OrderMix.ScarceStock}): completed / failed", ByKind(OrderKind.Scarce));
        if (accepted.Any(r => r.Planned.Kind == OrderKind.Large))
        {
            string ByPlan(ApprovalPlan plan) =>
                $"{accepted.Count(r => r.Planned.Approval == plan && r.Final?.Status == SagaStatuses.Completed)} / {accepted.Count(r => r.Planned.Approval == plan && r.Final?.Status == SagaStatuses.Failed)}";
            Add("large, approved by the operator: completed / failed", ByPlan(ApprovalPlan.Approve));
            Add("large, rejected by the operator: completed / failed", ByPlan(ApprovalPlan.Reject));
            Add("large, left to the deadline: completed / failed", ByPlan(ApprovalPlan.Undecided));
            Add("approval decisions taken (200) / too late (409)",
                $"{accepted.Count(r => r.ApprovalAnswer == 200)} / {accepted.Count(r => r.ApprovalAnswer == 409)}");
        }

        Add("operator retries of parked sagas (answered 202)", $"{operatorRetries.Sent} ({operatorRetries.Accepted})");
        Add("billing: charged - refunded (cents)", net);
        Add("sum of completed totals (cents)", accepted.Where(r => r.Final?.Status == SagaStatuses.Completed).Sum(r => r.Final!.TotalCents));
        Add("load window (s)", loadWindow.TotalSeconds.ToString("0", CultureInfo.InvariantCulture));
        Add("all settled after (s, from the start of the load)", settledAfter.TotalSeconds.ToString("0", CultureInfo.InvariantCulture));
        Add("whole run, start-up and shutdown included (s)", whole.TotalSeconds.ToString("0", CultureInfo.InvariantCulture));
        Add("violations", Violations.Count);
        Add("failed ordinary orders (not a violation): reasons", string.Join("; ", accepted
            .Where(r => r.Planned.Kind == OrderKind.Ordinary && r.Final?.Status == SagaStatuses.Failed)
            .GroupBy(r => r.Final!.Failure is { } f ? $"{f.Step}: {Trim(f.Reason)}" : "(the order shows no failure)").Select(g => $"{g.Count()} × {g.Key}")) is { Length: > 0 } reasons ? reasons : "none");
    }

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine(Title);
        output.WriteLine();
        output.WriteLine("| figure | value |");
        output.WriteLine("| --- | --- |");
        foreach (var (figure, value) in _figures)
        {
            output.WriteLine($"| {figure} | {value} |");
        }

        output.WriteLine();
        output.WriteLine("Faults injected (t: seconds from the start of the load):");
        output.WriteLine();
        output.WriteLine("| t from | t to | fault | what |");
        output.WriteLine("| ---: | ---: | --- | --- |");
        foreach (var fault in Faults.OrderBy(f => f.Start))
        {
            output.WriteLine($"| {fault.Start.TotalSeconds:0.0} | {fault.End.TotalSeconds:0.0} | {fault.Name} | {fault.Detail}{(fault.Error is null ? "" : " — FAILED: " + fault.Error)} |");
        }

        output.WriteLine();
        if (Violations.Count == 0)
        {
            output.WriteLine("Violations: none. Every invariant held.");
            return;
        }

        output.WriteLine($"Violations: {Violations.Count}");
        foreach (var group in Violations.GroupBy(v => v.Invariant))
        {
            output.WriteLine();
            output.WriteLine($"{group.Key}: {group.Count()}");
            foreach (var violation in group)
            {
                output.WriteLine($"  - {violation.OrderId ?? "(run)"}: {violation.Detail}");
            }
        }
    }

    public void WriteJson(string path)
    {
        var document = new
        {
            title = Title,
            accepted = Accepted,
            unsettled = Unsettled,
            figures = _figures.Select(f => new { figure = f.Figure, value = f.Value }),
            faults = Faults.Select(f => new { name = f.Name, detail = f.Detail, startSeconds = f.Start.TotalSeconds, endSeconds = f.End.TotalSeconds, error = f.Error }),
            violations = Violations.Select(v => new { invariant = v.Invariant, orderId = v.OrderId, detail = v.Detail }),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    }

    private void Add(string figure, object value) => _figures.Add((figure, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));

    private static string Trim(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "...";
}
