using System.Diagnostics.Metrics;
using ApiLed.ServiceDefaults.Telemetry;

namespace ApiLed.ExperienceApi.Orders;

/// <summary>The experience API's instruments (meter <c>ApiLed</c>).</summary>
public static class OrderMetrics
{
    /// <summary>Orders accepted (a new 202; a replay of the same key is not counted), by partner.</summary>
    public static readonly Counter<long> Accepted =
        ApiLedTelemetry.Meter.CreateCounter<long>("apiled.orders.accepted", description: "Orders accepted (202), replays not counted, by partner.");
}
