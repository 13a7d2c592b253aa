using System.ComponentModel.DataAnnotations;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// A setting that holds the address of a service, or several (<see cref="Uri"/> or <see cref="Uri"/>[]): each must be
/// an absolute http(s) URL, e.g. <c>http://127.0.0.1:5202</c>. A missing value is left to <see cref="RequiredAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpAddressAttribute : ValidationAttribute
{
    /// <summary>Whether <paramref name="address"/> is an absolute http or https URL.</summary>
    public static bool IsHttpAddress(Uri? address) =>
        address is { IsAbsoluteUri: true } && (address.Scheme == Uri.UriSchemeHttp || address.Scheme == Uri.UriSchemeHttps);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var bad = value switch
        {
            Uri one when !IsHttpAddress(one) => one.OriginalString,
            IEnumerable<Uri> many => many.FirstOrDefault(u => !IsHttpAddress(u))?.OriginalString,
            _ => null,
        };
        return bad is null
            ? ValidationResult.Success
            : new ValidationResult($"'{bad}' is not an absolute http(s) address of a service; give one like http://127.0.0.1:5202.",
                validationContext.MemberName is { } member ? [member] : []);
    }
}
