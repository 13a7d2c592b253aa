using System.Text.Json;
using System.Text.Json.Serialization;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.UnitTests;

/// <summary>The JSON reader's errors said in a partner's terms: a JSON path and what was expected, never a .NET type.</summary>
public sealed class JsonBodyErrorTests
{
    public sealed record Line(string Sku, int Quantity);

    public sealed record Body(string OrderId, List<Line> Lines, decimal? Amount, bool Express, Guid? Token);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static JsonBodyError Error(string json) =>
        JsonBodyError.From(Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>(json, Options)), typeof(Body));

    [Theory]
    [InlineData("[]", "$", "The body must be an object")]
    [InlineData("""{"orderId":5}""", "$.orderId", "The value at $.orderId (line 1, position 12) must be a string.")]
    [InlineData("""{"lines":{}}""", "$.lines", "must be an array")]
    [InlineData("""{"lines":[{"quantity":"two"}]}""", "$.lines[0].quantity", "must be a whole number")]
    [InlineData("""{"amount":"x"}""", "$.amount", "must be a number or null")]
    [InlineData("""{"express":1}""", "$.express", "must be true or false")]
    [InlineData("""{"token":"nope"}""", "$.token", "must be a UUID string or null")]
    public void A_value_of_the_wrong_kind_names_its_path_and_what_was_expected(string json, string field, string expected)
    {
        var error = Error(json);

        Assert.Equal("malformed-json", error.Type);
        Assert.Equal(field, error.Field);
        Assert.True(error.Detail.Contains(expected, StringComparison.Ordinal), error.Detail);
        Assert.DoesNotContain("System.", error.Detail);
        Assert.DoesNotContain("ApiLed", error.Detail);
    }

    [Theory]
    [InlineData("""{"giftWrap":true}""", "$.giftWrap", "'giftWrap'")]
    [InlineData("""{"lines":[{"sku":"A","colour":"red"}]}""", "$.lines[0].colour", "'colour'")]
    public void An_unknown_field_is_named_with_its_path(string json, string field, string named)
    {
        var error = Error(json);

        Assert.Equal("unknown-field", error.Type);
        Assert.Equal(field, error.Field);
        Assert.Contains(named, error.Detail);
        Assert.DoesNotContain("ApiLed", error.Detail);
    }

    [Fact]
    public void A_syntax_error_keeps_the_readers_words_and_its_position()
    {
        var error = Error("""{"orderId": }""");

        Assert.Equal("malformed-json", error.Type);
        Assert.Contains("invalid start of a value", error.Detail);
        Assert.Contains("line 1", error.Detail);
    }

    [Theory]
    [InlineData("System.Int32", "a whole number")]
    [InlineData("Int64", "a whole number")]
    [InlineData("System.Collections.Generic.List`1", "an array")]
    [InlineData("ApiLed.ExperienceApi.Orders.PlaceOrderRequest", "a value of the expected kind")]
    [InlineData("System.String", "a string")]
    public void Quoted_type_names_become_words(string typeName, string words) => Assert.Equal(words, ExpectedValues.Describe(typeName));

    [Theory]
    [InlineData(typeof(int?), "a whole number or null")]
    [InlineData(typeof(IReadOnlyList<Line>), "an array")]
    [InlineData(typeof(Dictionary<string, int>), "an object")]
    [InlineData(typeof(Line), "an object")]
    [InlineData(typeof(DayOfWeek), "one of 'Sunday'")]
    public void Types_become_words(Type type, string words) => Assert.StartsWith(words, ExpectedValues.Describe(type));

    [Theory]
    [InlineData("$", typeof(Body))]
    [InlineData("$.lines", typeof(List<Line>))]
    [InlineData("$.lines[3].quantity", typeof(int))]
    [InlineData("$['orderId']", typeof(string))]
    [InlineData("$.nothing.here", null)]
    public void A_json_path_leads_to_the_type_of_its_value(string path, Type? expected) => Assert.Equal(expected, ExpectedValues.TypeAt(typeof(Body), path));
}
