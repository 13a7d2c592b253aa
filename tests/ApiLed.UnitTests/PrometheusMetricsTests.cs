using System.Diagnostics.Metrics;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.UnitTests;

/// <summary>The <c>/metrics</c> text: ApiLed's counters and histograms per tag set, in the Prometheus text format.</summary>
public sealed class PrometheusMetricsTests
{
    [Fact]
    public void Counters_and_histograms_are_written_per_tag_set_in_the_prometheus_text_format()
    {
        using var metrics = new PrometheusMetrics();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var counter = ApiLedTelemetry.Meter.CreateCounter<long>($"apiled.test.things.{suffix}", description: "Things \"counted\".");
        var histogram = ApiLedTelemetry.Meter.CreateHistogram<double>($"apiled.test.took.{suffix}", unit: "ms");
        using var other = new Meter("NotApiLed");
        other.CreateCounter<long>($"other.things.{suffix}").Add(5);

        counter.Add(2, new KeyValuePair<string, object?>("mode", "hybrid"));
        counter.Add(3, new KeyValuePair<string, object?>("mode", "hybrid"));
        counter.Add(1, new KeyValuePair<string, object?>("mode", "choreography"));
        histogram.Record(7);
        histogram.Record(700);

        var text = metrics.Render();

        Assert.Contains($"# HELP apiled_test_things_{suffix}_total Things \\\"counted\\\".\n", text);
        Assert.Contains($"# TYPE apiled_test_things_{suffix}_total counter\n", text);
        Assert.Contains($"apiled_test_things_{suffix}_total{{mode=\"hybrid\"}} 5\n", text);
        Assert.Contains($"apiled_test_things_{suffix}_total{{mode=\"choreography\"}} 1\n", text);
        Assert.Contains($"# TYPE apiled_test_took_{suffix}_milliseconds histogram\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_bucket{{le=\"5\"}} 0\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_bucket{{le=\"10\"}} 1\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_bucket{{le=\"1000\"}} 2\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_bucket{{le=\"+Inf\"}} 2\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_sum 707\n", text);
        Assert.Contains($"apiled_test_took_{suffix}_milliseconds_count 2\n", text);
        Assert.DoesNotContain("other_things", text); // only ApiLed's own meter
    }
}
