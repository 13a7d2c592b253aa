using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.Billing.Api;

public static class BillingServiceExtensions
{
    /// <summary>The billing store and its demo payment accounts (section <c>Billing</c>).</summary>
    public static WebApplicationBuilder AddBillingServices(this WebApplicationBuilder builder)
    {
        builder.AddStore();
        builder.Services.AddValidatedOptions<BillingOptions>(BillingOptions.Section);
        builder.Services.AddSingleton<BillingStore>();
        return builder;
    }
}

/// <summary>Settings of the billing system API (section <c>Billing</c>).</summary>
public sealed record BillingOptions
{
    public const string Section = "Billing";

    /// <summary>Payment accounts created at first start; <c>Declines</c> makes every charge to it fail with 402.</summary>
    public List<SeedAccount> Seed { get; init; } = [];
}

public sealed record SeedAccount
{
    public string PaymentReference { get; init; } = "";

    public string Holder { get; init; } = "";

    public bool Declines { get; init; }

    public string? DeclineReason { get; init; }
}
