using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ApiLed.ServiceDefaults.Telemetry;

/// <summary>
/// ApiLed's own instruments (meter <c>ApiLed</c>), readable without a collector at <c>GET /metrics</c> in the Prometheus text
/// format (0.0.4), since the Prometheus exporter package is not available here. A <see cref="MeterListener"/> sums counters and
/// fills histogram buckets per tag set as measurements happen (one dictionary lookup and an interlocked add each); observable
/// instruments are read when scraped. Names follow Prometheus' rules: dots become underscores, counters end in <c>_total</c>.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    /// <summary>Upper bounds of every histogram's buckets (milliseconds for durations).</summary>
    private static readonly double[] Bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, Series>> series = new();
    private readonly Lock scraping = new(); // one scrape at a time: observables are cleared, then read

    public PrometheusMetrics()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ApiLedTelemetry.SourceName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    public void Dispose() => listener.Dispose();

    /// <summary>The content type of <see cref="Render"/>'s text (Prometheus exposition format 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Every series in the Prometheus text format, as an HTTP answer.</summary>
    public Microsoft.AspNetCore.Http.IResult ToResult() => Microsoft.AspNetCore.Http.Results.Text(Render(), ContentType);

    /// <summary>Every series in the Prometheus text format.</summary>
    public string Render()
    {
        lock (scraping)
        {
            return RenderOnce();
        }
    }

    private string RenderOnce()
    {
        foreach (var observable in series.Keys.Where(i => i.IsObservable))
        {
            series[observable].Clear(); // an observable's value is what it says now
        }

        listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var (instrument, byTags) in series.OrderBy(s => s.Key.Name, StringComparer.Ordinal))
        {
            var name = NameOf(instrument);
            var kind = KindOf(instrument);
            text.Append("# HELP ").Append(name).Append(' ').Append(Escape(instrument.Description ?? instrument.Name)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            foreach (var (tags, value) in byTags.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                value.WriteTo(text, name, kind, tags);
            }
        }

        return text.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var label = Labels(tags);
        var byTags = series.GetOrAdd(instrument, _ => new ConcurrentDictionary<string, Series>(StringComparer.Ordinal));
        byTags.GetOrAdd(label, _ => new Series()).Add(value, instrument is Histogram<double> or Histogram<long> or Histogram<int>,
            replace: instrument.IsObservable); // an observable reports its current value (or total), cleared before each scrape
    }

    private static string NameOf(Instrument instrument)
    {
        var name = new string([.. instrument.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        if (instrument.Unit is { Length: > 0 } unit && !name.EndsWith("_" + unit, StringComparison.Ordinal) && unit is "ms" or "s" or "bytes")
        {
            name += "_" + (unit == "ms" ? "milliseconds" : unit == "s" ? "seconds" : unit);
        }

        return KindOf(instrument) == "counter" ? name + "_total" : name;
    }

    private static string KindOf(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => "counter",
        Histogram<long> or Histogram<int> or Histogram<double> => "histogram",
        _ => "gauge",
    };

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var name = new string([.. key.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
            pairs.Add($"{name}=\"{Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>One series: a sum (counters, gauges) or a histogram's buckets, count and sum.</summary>
    private sealed class Series
    {
        private readonly long[] buckets = new long[Bounds.Length + 1];
        private long count;
        private double sum;
        private readonly Lock gate = new();

        public void Add(double value, bool histogram, bool replace)
        {
            lock (gate)
            {
                if (histogram)
                {
                    var i = Array.FindIndex(Bounds, b => value <= b);
                    buckets[i < 0 ? Bounds.Length : i]++;
                }

                count++;
                sum = replace ? value : sum + value;
            }
        }

        public void WriteTo(StringBuilder text, string name, string kind, string labels)
        {
            lock (gate)
            {
                if (kind != "histogram")
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(Number(sum)).Append('\n');
                    return;
                }

                long cumulative = 0;
                for (var i = 0; i < Bounds.Length; i++)
                {
                    cumulative += buckets[i];
                    text.Append(name).Append("_bucket").Append(Braces(Join(labels, $"le=\"{Number(Bounds[i])}\""))).Append(' ').Append(cumulative).Append('\n');
                }

                text.Append(name).Append("_bucket").Append(Braces(Join(labels, "le=\"+Inf\""))).Append(' ').Append(count).Append('\n');
                text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(sum)).Append('\n');
                text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        private static string Join(string labels, string more) => labels.Length == 0 ? more : labels + "," + more;

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
