using ApiLed.ExperienceApi.Cancellations;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ApiLed.UnitTests;

/// <summary>A service's address settings: each must be an absolute http(s) URL, and a bad one is refused at start naming the setting.</summary>
public sealed class HttpAddressAttributeTests
{
    private static ProcessApiOptions Read(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build()
            .GetValidated<ProcessApiOptions>(ProcessApiOptions.Section);

    [Fact]
    public void Absolute_http_addresses_and_their_replicas_are_taken()
    {
        var options = Read(("ProcessApi:BaseUrl", "http://127.0.0.1:5102"), ("ProcessApi:Replicas:0", "https://process-2:8443"));
        Assert.Equal([new Uri("https://process-2:8443")], options.Replicas);
    }

    [Theory]
    [InlineData("ProcessApi:Replicas:0", "127.0.0.1:5112", "ProcessApi:Replicas")]
    [InlineData("ProcessApi:Replicas:0", "/process-2", "ProcessApi:Replicas")]
    [InlineData("ProcessApi:BaseUrl", "ftp://127.0.0.1:5102", "ProcessApi:BaseUrl")]
    public void An_address_that_is_not_absolute_http_is_refused_naming_the_setting(string key, string value, string setting)
    {
        var settings = new List<(string, string)> { ("ProcessApi:BaseUrl", "http://127.0.0.1:5102") };
        settings.RemoveAll(s => s.Item1 == key);
        settings.Add((key, value));
        var error = Assert.Throws<OptionsValidationException>(() => Read([.. settings]));
        Assert.Contains(error.Failures, f => f.Contains($"Setting '{setting}' is invalid", StringComparison.Ordinal)
                                             && f.Contains($"'{value}' is not an absolute http(s) address", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_http_and_https_are_service_addresses() =>
        Assert.Equal([true, true, false, false, false],
            new Uri?[] { new("http://a:1"), new("https://a"), new("amqp://a"), new("a/b", UriKind.Relative), null }.Select(HttpAddressAttribute.IsHttpAddress));
}
