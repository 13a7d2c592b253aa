using System.Globalization;
using System.Threading.RateLimiting;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;

namespace ApiLed.Gateway.Partners;

/// <summary>The authorization policies the gateway's routes use.</summary>
public static class GatewayPolicies
{
    /// <summary>Any partner with a valid API key.</summary>
    public const string Partner = "partner";

    /// <summary>A partner with the <c>operator</c> role.</summary>
    public const string Operator = "operator";

    /// <summary>The rate-limiter policy of every routed request: one fixed window per partner.</summary>
    public const string PerPartnerRateLimit = "per-partner";
}

/// <summary>Who may come in (API keys), what they may reach (roles) and how often (per-partner rate limits).</summary>
public static class PartnerAccess
{
    public static WebApplicationBuilder AddPartnerAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<PartnersOptions>(PartnersOptions.Section);
        builder.Services.AddSingleton<PartnerDirectory>();

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(GatewayPolicies.Partner, p => p.RequireAuthenticatedUser().RequireClaim(PartnerClaims.PartnerId))
            .AddPolicy(GatewayPolicies.Operator, p => p.RequireAuthenticatedUser().RequireRole(PartnerRoles.Operator));

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(GatewayPolicies.PerPartnerRateLimit, http =>
            {
                var partner = PartnerClaims.PartnerIdOf(http.User) ?? "";
                var limit = http.RequestServices.GetRequiredService<PartnerDirectory>().RateLimitOf(partner);
                // The limit is part of the key, so a changed limit takes effect with a fresh window.
                return RateLimitPartition.GetFixedWindowLimiter($"{partner}|{limit.PermitLimit}|{limit.Window.Ticks}",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limit.PermitLimit,
                        Window = limit.Window,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limiter.OnRejected = (context, _) => RejectAsync(context);
        });
        return builder;
    }

    /// <summary>429 problem+json with <c>Retry-After</c> in whole seconds (at least 1).</summary>
    private static async ValueTask RejectAsync(OnRejectedContext context)
    {
        var http = context.HttpContext;
        var partner = PartnerClaims.PartnerIdOf(http.User) ?? "";
        var limit = http.RequestServices.GetRequiredService<PartnerDirectory>().RateLimitOf(partner);
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : limit.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests.",
            $"Partner '{partner}' may send {limit.PermitLimit} requests every {limit.Window.TotalSeconds:0.###} s; retry after {seconds} s.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(http);
    }
}
