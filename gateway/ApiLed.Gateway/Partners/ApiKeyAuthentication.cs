using System.Security.Claims;
using System.Text.Encodings.Web;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ApiLed.Gateway.Partners;

/// <summary>The claims of an authenticated partner.</summary>
public static class PartnerClaims
{
    public const string PartnerId = "partner_id";
    public const string KeyId = "key_id";

    public static string? PartnerIdOf(ClaimsPrincipal user) => user.FindFirst(PartnerId)?.Value;
}

/// <summary>
/// Authenticates a partner by the API key in <c>X-Api-Key</c>. A request without a key, with an unknown key or with a
/// revoked key is challenged with 401 problem+json (and <c>WWW-Authenticate: ApiKey header="X-Api-Key"</c>); a partner
/// without the role a route needs gets 403 problem+json.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, PartnerDirectory partners)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private sealed class RevokedKeyException(string message) : Exception(message);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[HeaderName];
        if (values.Count == 0 || (values.Count == 1 && string.IsNullOrEmpty(values[0])))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail($"Send one {HeaderName} header, not {values.Count}."));
        }

        switch (partners.Check(values[0]!))
        {
            case KeyCheck.Valid valid:
                var identity = new ClaimsIdentity(
                    [
                        new Claim(PartnerClaims.PartnerId, valid.PartnerId),
                        new Claim(ClaimTypes.Name, valid.PartnerId),
                        new Claim(PartnerClaims.KeyId, valid.KeyId),
                        .. valid.Roles.Select(r => new Claim(ClaimTypes.Role, r)),
                    ], SchemeName);
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
            case KeyCheck.Revoked revoked:
                Logger.LogWarning("Refused revoked API key {KeyId} of partner {PartnerId}", revoked.KeyId, revoked.PartnerId);
                return Task.FromResult(AuthenticateResult.Fail(new RevokedKeyException("This API key was revoked; use your current key.")));
            default:
                return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var (type, title, detail) = result.Failure switch
        {
            null => ("api-key-missing", "An API key is required.", $"Send your partner API key in the {HeaderName} header."),
            RevokedKeyException revoked => ("api-key-revoked", "The API key was revoked.", revoked.Message),
            { } failure => ("api-key-invalid", "The API key is not valid.", failure.Message),
        };
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await Problems.Of(StatusCodes.Status401Unauthorized, type, title, detail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Of(StatusCodes.Status403Forbidden, "role-required", "Your partner account may not use this API.",
            $"This API is for partners with the '{PartnerRoles.Operator}' role.").ExecuteAsync(Context);
}
