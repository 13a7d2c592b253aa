using System.Globalization;
using System.Text;

namespace ApiLed.Bench;

/// <summary>The results as Markdown tables: throughput and latency, CPU per order per process, memory per service.</summary>
public static class ResultTable
{
    public static string Render(IReadOnlyList<BenchResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| run | concurrency | orders | completed/s | accepted/s | accept p50 / p99 (ms) | accept→terminal p50 / p99 (ms) | CPU-ms per order (machine) | machine busy | outcome |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            text.AppendLine(Invariant($"| {r.Name} | {r.Concurrency} | {r.Orders} | {r.CompletedPerSecond:0.0} | {r.AcceptedPerSecond:0.0} | {Ms(r.AcceptP50Ms)} / {Ms(r.AcceptP99Ms)} | {Ms(r.TerminalP50Ms)} / {Ms(r.TerminalP99Ms)} | {Machine(r)} | {Busy(r)} | {r.Completed} completed, {r.Failed} not{(r.Note is null ? "" : "; " + r.Note)} |"));
        }

        var processes = results.SelectMany(r => r.CpuMsPerOrder.Keys).Where(k => k != "machine").Distinct().Order().ToList();
        if (processes.Count == 0)
        {
            return text.ToString(); // a layer the bench does not own: no CPU or memory figures
        }

        text.AppendLine();
        text.AppendLine("CPU-ms per order, per process (the machine column counts every process on the machine, these and all others):");
        text.AppendLine();
        text.AppendLine("| run | " + string.Join(" | ", processes) + " | sum | machine |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", processes.Count + 2)));
        foreach (var r in results)
        {
            var cells = processes.Select(p => r.CpuMsPerOrder.TryGetValue(p, out var ms) ? Invariant($"{ms:0.00}") : "–");
            var sum = r.CpuMsPerOrder.Where(p => p.Key != "machine").Sum(p => p.Value);
            text.AppendLine(Invariant($"| {r.Name} (c={r.Concurrency}) | {string.Join(" | ", cells)} | {sum:0.00} | {Machine(r)} |"));
        }

        var services = results.SelectMany(r => r.PeakRssMb.Keys.Concat(r.IdleRssMb.Keys)).Where(k => k != "bench").Distinct().Order().ToList();
        text.AppendLine();
        text.AppendLine("Resident memory (MB), idle after start-up / peak during the measured run:");
        text.AppendLine();
        text.AppendLine("| run | " + string.Join(" | ", services) + " |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", services.Count)));
        foreach (var r in results)
        {
            var cells = services.Select(s => $"{Mb(r.IdleRssMb, s)} / {Mb(r.PeakRssMb, s)}");
            text.AppendLine($"| {r.Name} (c={r.Concurrency}) | {string.Join(" | ", cells)} |");
        }

        return text.ToString();
    }

    private static string Machine(BenchResult r) =>
        r.CpuMsPerOrder.TryGetValue("machine", out var ms) ? ms.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Busy(BenchResult r) => double.IsNaN(r.MachineBusyPercent) ? "–" : r.MachineBusyPercent.ToString("0", CultureInfo.InvariantCulture) + " %";

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString(value < 100 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Mb(IReadOnlyDictionary<string, double> values, string name) =>
        values.TryGetValue(name, out var mb) ? mb.ToString("0", CultureInfo.InvariantCulture) : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
