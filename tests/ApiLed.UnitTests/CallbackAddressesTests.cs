using System.Net;
using ApiLed.ExperienceApi.Webhooks;

namespace ApiLed.UnitTests;

public sealed class CallbackAddressesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.10")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Loopback_private_link_local_and_unspecified_addresses_are_private(string address) =>
        Assert.True(CallbackAddresses.IsPrivate(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2001:4860:4860::8888")]
    public void Internet_addresses_are_not_private(string address) =>
        Assert.False(CallbackAddresses.IsPrivate(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://localhost:9000/hooks", true)]
    [InlineData("http://api.localhost/hooks", true)]
    [InlineData("http://127.0.0.1:5202/api/v1/charges", true)]
    [InlineData("http://[::1]/hooks", true)]
    [InlineData("https://169.254.169.254/latest/meta-data", true)]
    [InlineData("https://partner.example.com/hooks", false)]
    [InlineData("https://93.184.216.34/hooks", false)]
    public void A_callback_naming_a_private_host_outright_is_recognised_when_the_order_is_placed(string url, bool refused) =>
        Assert.Equal(refused, CallbackAddresses.NamesPrivateHost(new Uri(url)));
}
