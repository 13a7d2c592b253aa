using System.Text;
using ApiLed.ExperienceApi.Webhooks;

namespace ApiLed.UnitTests;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_example_0123456789abcdef01";
    private const long Timestamp = 1764000000;
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"order.completed"}""");

    [Fact]
    public void The_signature_is_the_documented_hmac_of_timestamp_dot_body()
    {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_example_0123456789abcdef01',
        //   b'1764000000.' + b'{\"id\":\"evt_1\",\"type\":\"order.completed\"}', hashlib.sha256).hexdigest())"
        Assert.Equal("t=1764000000,v1=a8f2c705e5319f673e171ced4474754ac051d1934cad66607c91228c99a06ba9",
            WebhookSignature.HeaderValue(Secret, Timestamp, Body));
    }

    [Fact]
    public void Verification_accepts_the_signed_body_and_refuses_a_changed_body_another_secret_or_an_old_timestamp()
    {
        var header = WebhookSignature.HeaderValue(Secret, Timestamp, Body);
        var now = DateTimeOffset.FromUnixTimeSeconds(Timestamp + 60);
        var tolerance = TimeSpan.FromMinutes(5);

        Assert.True(WebhookSignature.Verify(header, Secret, Body, now, tolerance));
        Assert.False(WebhookSignature.Verify(header, Secret, [.. Body, (byte)' '], now, tolerance));
        Assert.False(WebhookSignature.Verify(header, "whsec_another_secret_0123456789ab", Body, now, tolerance));
        Assert.False(WebhookSignature.Verify(header, Secret, Body, now.AddMinutes(10), tolerance));
        Assert.False(WebhookSignature.Verify("v1=" + header.Split("v1=")[1], Secret, Body, now, tolerance));
    }

    [Fact]
    public void The_wait_between_attempts_doubles_with_jitter_and_is_capped()
    {
        var options = new WebhookOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };

        var first = WebhookDispatcher.BackoffAfter(1, options);
        var second = WebhookDispatcher.BackoffAfter(2, options);
        var tenth = WebhookDispatcher.BackoffAfter(10, options);

        Assert.InRange(first.TotalSeconds, 1, 1.2);
        Assert.InRange(second.TotalSeconds, 2, 2.4);
        Assert.InRange(tenth.TotalSeconds, 5, 6);
    }
}
