using System.ComponentModel.DataAnnotations;

namespace ApiLed.Risk.Api;

/// <summary>The screening rules of the risk system API (section <c>Risk</c>). An order is denied when any rule matches.</summary>
public sealed record RiskOptions
{
    public const string Section = "Risk";

    /// <summary>Orders above this total (in cents, any currency) are denied: 500000 is 5,000.00.</summary>
    [Range(1, long.MaxValue)]
    public long DenyAboveCents { get; init; } = 500_000;

    /// <summary>Customers whose orders are denied.</summary>
    public List<string> DeniedCustomers { get; init; } = [];

    /// <summary>Destination countries (ISO 3166 alpha-2) orders are denied for.</summary>
    public List<string> DeniedCountries { get; init; } = [];
}
