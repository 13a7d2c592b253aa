using System.Text.Json;
using ApiLed.Contracts;

namespace ApiLed.Chaos;

/// <summary>
/// The orders of a run, drawn from the seed: 70 % ordinary (60 % with <c>--approvals</c>, and 10 % large orders that wait
/// for an approval), 10 % declined card, 10 % to an unserved country, 10 % competing for a scarce SKU; about 5 % are sent a second time with the same Idempotency-Key. Every run uses SKUs of
/// its own (created on the inventory API before the load), so runs repeat and can share a layer with other traffic.
/// </summary>
internal sealed class OrderMix
{
    public const int ScarceStock = 3;
    private static readonly string[] ServedCountries = ["GB", "DE", "FR", "NL", "US", "IT", "ES"];

    private OrderMix(string runId, IReadOnlyList<PutStockRequest> stock, IReadOnlyList<string> skus, IReadOnlyList<PlannedOrder> orders)
    {
        RunId = runId;
        Stock = stock;
        Skus = skus;
        Orders = orders;
    }

    /// <summary>Names the run's SKUs and Idempotency-Keys.</summary>
    public string RunId { get; }

    /// <summary>The run's SKUs, in the order of <see cref="Stock"/>; the last one is the scarce one.</summary>
    public IReadOnlyList<string> Skus { get; }

    /// <summary>Name, price and stock of each of <see cref="Skus"/>.</summary>
    public IReadOnlyList<PutStockRequest> Stock { get; }

    public string ScarceSku => Skus[^1];

    public IReadOnlyList<PlannedOrder> Orders { get; }

    /// <summary>The price of the large orders' SKU: above the 1,000.00 from which the default flow asks for an approval.</summary>
    public const long LargePriceCents = 150_000;

    public static OrderMix Create(int count, int seed, string runId, bool approvals = false)
    {
        var random = new Random(seed);
        var mug = $"CHAOS-{runId}-MUG";
        var tee = $"CHAOS-{runId}-TEE";
        var piano = $"CHAOS-{runId}-PIANO";
        var last = $"CHAOS-{runId}-LAST";
        var ample = 2 * count + 10; // an order takes at most 2 units of each
        PutStockRequest[] stock =
        [
            new("Chaos mug", 1250, ample),
            new("Chaos tee", 1999, ample),
            new("Chaos piano", LargePriceCents, ample),
            new("Chaos last one", 4900, ScarceStock),
        ];

        var kinds = new OrderKind[count];
        for (var i = 0; i < count; i++)
        {
            kinds[i] = (i * 10 / count) switch
            {
                6 when approvals => OrderKind.Large,
                7 => OrderKind.Declined,
                8 => OrderKind.Unserved,
                9 => OrderKind.Scarce,
                _ => OrderKind.Ordinary,
            };
        }

        random.Shuffle(kinds);
        var replays = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take((int)Math.Round(count * 0.05)).ToHashSet();
        var orders = new List<PlannedOrder>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = kinds[i];
            List<OrderLine> lines = kind == OrderKind.Scarce ? [new(last, 1)]
                : kind == OrderKind.Large ? [new(piano, 1)]
                : random.Next(3) switch
                {
                    0 => [new(mug, random.Next(1, 3))],
                    1 => [new(tee, random.Next(1, 3))],
                    _ => [new(mug, random.Next(1, 3)), new(tee, random.Next(1, 3))],
                };
            var body = new
            {
                customerId = $"chaos-customer-{i % 97}",
                lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }),
                paymentReference = kind == OrderKind.Declined ? "card-declined-0002" : random.Next(2) == 0 ? "card-ok-4242" : "card-ok-5555",
                shipTo = new
                {
                    name = $"Chaos Customer {i}",
                    line1 = $"{1 + (i % 200)} Fault Line",
                    city = "Testville",
                    postalCode = "10115",
                    country = kind == OrderKind.Unserved ? "AQ" : ServedCountries[random.Next(ServedCountries.Length)],
                },
            };
            TimeSpan? replayAfter = replays.Contains(i) ? TimeSpan.FromMilliseconds(random.Next(1000, 8000)) : null;
            var decision = kind != OrderKind.Large ? ApprovalPlan.None : random.Next(10) switch
            {
                < 5 => ApprovalPlan.Approve,
                < 8 => ApprovalPlan.Reject,
                _ => ApprovalPlan.Undecided,
            };
            orders.Add(new PlannedOrder(i, kind, $"chaos-{runId}-{i:D5}", JsonSerializer.Serialize(body, JsonSerializerOptions.Web), lines, replayAfter)
            {
                Approval = decision,
            });
        }

        return new OrderMix(runId, stock, [mug, tee, piano, last], orders);
    }
}
