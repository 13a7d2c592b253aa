using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>
/// Binds typed options records to a configuration section and validates them when the host starts,
/// with messages that name the setting (<c>Section:Property</c>) so a user knows what to fix.
/// </summary>
public static class ValidatedOptions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SettingValidator<TOptions>(section));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Reads and validates options immediately (for wiring that needs the values before the container is built).</summary>
    public static TOptions GetValidated<TOptions>(this IConfiguration configuration, string section)
        where TOptions : class, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = new SettingValidator<TOptions>(section).Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(TOptions), result.Failures);
        }

        return options;
    }

    private sealed class SettingValidator<TOptions>(string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var failures = new List<string>();
            Collect(options, section, failures);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static void Collect(object target, string path, List<string> failures)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true);
            foreach (var result in results)
            {
                var member = result.MemberNames.FirstOrDefault() ?? "";
                failures.Add($"Setting '{path}:{member}' is invalid: {result.ErrorMessage}");
            }

            foreach (var property in target.GetType().GetProperties())
            {
                if (property.PropertyType.IsClass && property.PropertyType != typeof(string)
                    && property.PropertyType.Namespace?.StartsWith("ApiLed", StringComparison.Ordinal) == true
                    && property.GetValue(target) is { } nested)
                {
                    Collect(nested, $"{path}:{property.Name}", failures);
                }
            }
        }
    }
}
