using System.Globalization;
using System.Text;

namespace ApiLed.Bench;

/// <summary>An SVG of the results: completed sagas per second (bars) and accept→terminal p50 / p99 (bars on a log scale), per run.</summary>
public static class ResultPlot
{
    public static string Render(IReadOnlyList<BenchResult> results, string title)
    {
        const int width = 900, height = 420, left = 70, top = 60, panel = 360, gap = 60, barArea = 280;
        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.AppendLine(F($"<text x=\"{width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>"));
        string[] colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"];

        // Left panel: completed per second.
        var maxRate = Math.Max(1, results.Max(r => r.CompletedPerSecond)) * 1.15;
        Axis(svg, left, top, panel, barArea, "completed sagas / s", maxRate, linear: true);
        var slot = (double)panel / results.Count;
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var h = r.CompletedPerSecond / maxRate * barArea;
            var x = left + i * slot + slot * 0.15;
            svg.AppendLine(F($"<rect x=\"{x:0.0}\" y=\"{top + barArea - h:0.0}\" width=\"{slot * 0.7:0.0}\" height=\"{h:0.0}\" fill=\"{colours[i % colours.Length]}\"/>"));
            svg.AppendLine(F($"<text x=\"{x + slot * 0.35:0.0}\" y=\"{top + barArea - h - 4:0.0}\" text-anchor=\"middle\">{r.CompletedPerSecond:0}</text>"));
            Label(svg, x + slot * 0.35, top + barArea + 14, r);
        }

        // Right panel: latency p50 and p99, log scale from 1 ms.
        var left2 = left + panel + gap;
        var maxMs = Math.Max(10, results.Max(r => double.IsNaN(r.TerminalP99Ms) ? 0 : r.TerminalP99Ms)) * 1.5;
        Axis(svg, left2, top, panel, barArea, "accept→terminal ms (p50 solid, p99 light), log", maxMs, linear: false);
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var x = left2 + i * slot + slot * 0.15;
            foreach (var (value, offset, opacity) in new[] { (r.TerminalP50Ms, 0.0, 1.0), (r.TerminalP99Ms, slot * 0.35, 0.45) })
            {
                if (double.IsNaN(value) || value <= 0)
                {
                    continue;
                }

                var h = Math.Log10(Math.Max(1, value)) / Math.Log10(maxMs) * barArea;
                svg.AppendLine(F($"<rect x=\"{x + offset:0.0}\" y=\"{top + barArea - h:0.0}\" width=\"{slot * 0.33:0.0}\" height=\"{h:0.0}\" fill=\"{colours[i % colours.Length]}\" fill-opacity=\"{opacity}\"/>"));
                svg.AppendLine(F($"<text x=\"{x + offset + slot * 0.165:0.0}\" y=\"{top + barArea - h - 4:0.0}\" text-anchor=\"middle\" font-size=\"10\">{value:0}</text>"));
            }

            Label(svg, x + slot * 0.35, top + barArea + 14, r);
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Axis(StringBuilder svg, double x, double y, double w, double h, string caption, double max, bool linear)
    {
        svg.AppendLine(F($"<line x1=\"{x}\" y1=\"{y + h}\" x2=\"{x + w}\" y2=\"{y + h}\" stroke=\"black\"/>"));
        svg.AppendLine(F($"<line x1=\"{x}\" y1=\"{y}\" x2=\"{x}\" y2=\"{y + h}\" stroke=\"black\"/>"));
        svg.AppendLine(F($"<text x=\"{x}\" y=\"{y - 10}\">{Escape(caption)}</text>"));
        var ticks = linear
            ? Enumerable.Range(0, 5).Select(i => max / 1.15 * i / 4)
            : Enumerable.Range(0, 6).Select(i => Math.Pow(10, i)).Where(v => v <= max);
        foreach (var t in ticks)
        {
            var ty = y + h - (linear ? t / max * h : Math.Log10(Math.Max(1, t)) / Math.Log10(max) * h);
            svg.AppendLine(F($"<text x=\"{x - 6}\" y=\"{ty + 4:0.0}\" text-anchor=\"end\" font-size=\"10\">{t:0}</text>"));
            svg.AppendLine(F($"<line x1=\"{x}\" y1=\"{ty:0.0}\" x2=\"{x + w}\" y2=\"{ty:0.0}\" stroke=\"#ddd\"/>"));
        }
    }

    private static void Label(StringBuilder svg, double x, double y, BenchResult r)
    {
        svg.AppendLine(F($"<text x=\"{x:0.0}\" y=\"{y:0.0}\" text-anchor=\"middle\" font-size=\"10\">{Escape(r.Name.Replace("MassTransit ", "MT ", StringComparison.Ordinal))}</text>"));
        svg.AppendLine(F($"<text x=\"{x:0.0}\" y=\"{y + 12:0.0}\" text-anchor=\"middle\" font-size=\"10\">c={r.Concurrency}</text>"));
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
