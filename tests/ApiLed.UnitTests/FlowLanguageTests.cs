using System.Text;
using System.Text.Json;
using ApiLed.Contracts;
using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;

namespace ApiLed.UnitTests;

/// <summary>The flow language: expressions, templates, request bodies, kept results and answer classes.</summary>
public sealed class FlowLanguageTests
{
    private static SagaState Saga()
    {
        var order = new FulfillOrderCommand("ord-7", "partner-a", "cust-1",
            [new PricedOrderLine("SKU-A", 2, 500), new PricedOrderLine("SKU-B", 1, 250)], 1250, "EUR", "card-ok-4242",
            new ShippingAddress("Ada", "1 Road", "Town", "12345", "GB"), new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var saga = SagaState.Start(order, "order-fulfillment", ShippedFlows.Definition(), "corr-1", order.AcceptedAt);
        saga.Steps[0].Status = StepStatuses.Succeeded;
        saga.Steps[0].Result = """{"status":"reserved","id":42}""";
        return saga;
    }

    private static string Render(string template)
    {
        using var scope = OperationScope.Of(Saga());
        return TextTemplate.Of(template).Render(scope.RootElement);
    }

    private static string Body(Dictionary<string, string> fields)
    {
        using var scope = OperationScope.Of(Saga());
        return Encoding.UTF8.GetString(DeclaredOperations.RenderBody(fields, scope.RootElement));
    }

    [Theory]
    [InlineData("${order.orderId}", "ord-7")]
    [InlineData("/api/v1/orders/${order.orderId}/lines/${order.lines.1.sku}", "/api/v1/orders/ord-7/lines/SKU-B")]
    [InlineData("${order.totalCents}", "1250")]
    [InlineData("${partner.id}", "partner-a")]
    [InlineData("${saga.correlationId}", "corr-1")]
    [InlineData("${steps.reserve-inventory.result.status} #${steps.reserve-inventory.result.id}", "reserved #42")]
    [InlineData("${steps.charge-payment.status}", "pending")]
    [InlineData("${order.nothing.here}", "")]
    [InlineData("costs $$5 ${'it''s'}", "costs $5 it's")]
    public void Templates_read_the_order_the_partner_the_saga_and_earlier_steps(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void A_path_value_is_url_escaped_when_asked()
    {
        using var scope = OperationScope.Of(Saga());
        Assert.Equal("/x/Ada%20%2F%20B", TextTemplate.Of("/x/${'Ada / B'}").Render(scope.RootElement, Uri.EscapeDataString));
    }

    [Fact]
    public void A_body_keeps_types_nests_dotted_fields_and_picks_fields_of_each_line()
    {
        var body = JsonDocument.Parse(Body(new()
        {
            ["orderId"] = "${order.orderId}",
            ["amountCents"] = "${order.totalCents}",
            ["lines"] = "${pick(order.lines, 'sku', 'quantity')}",
            ["shipTo.country"] = "${order.shipTo.country}",
            ["shipTo.name"] = "Mx ${order.shipTo.name}",
            ["urgent"] = "${true}",
            ["note"] = "plain text",
        })).RootElement;

        Assert.Equal("ord-7", body.GetProperty("orderId").GetString());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("amountCents").ValueKind);
        Assert.Equal(1250, body.GetProperty("amountCents").GetInt64());
        Assert.Equal("""[{"sku":"SKU-A","quantity":2},{"sku":"SKU-B","quantity":1}]""", body.GetProperty("lines").GetRawText());
        Assert.Equal("GB", body.GetProperty("shipTo").GetProperty("country").GetString());
        Assert.Equal("Mx Ada", body.GetProperty("shipTo").GetProperty("name").GetString());
        Assert.True(body.GetProperty("urgent").GetBoolean());
        Assert.Equal("plain text", body.GetProperty("note").GetString());
    }

    [Fact]
    public void A_missing_value_is_null_in_a_body() =>
        Assert.Equal("""{"x":null}""", Body(new() { ["x"] = "${steps.create-shipment.result.trackingNumber}" }));

    [Theory]
    [InlineData("${order.orderId", "no closing")]
    [InlineData("${customer.id}", "a path starts with one of order, partner, saga, steps, callback, not 'customer'")]
    [InlineData("${order..id}", "is not a name")]
    [InlineData("${steps.charge-payment}", "steps.{step}.result.{field}")]
    [InlineData("${pick(order.lines)}", "needs a path and at least one field")]
    [InlineData("${pick(order.lines, sku)}", "quoted names")]
    [InlineData("${}", "empty expression")]
    public void A_bad_expression_says_what_is_wrong(string template, string expected)
    {
        Assert.Null(TextTemplate.Parse(template, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Only_the_declared_fields_of_an_answer_are_kept()
    {
        Assert.Equal("""{"chargeId":"ch-1","status":"captured"}""",
            DeclaredOperations.KeepResult("""{"orderId":"o","chargeId":"ch-1","status":"captured","card":"4242"}""", ["chargeId", "status", "missing"]));
        Assert.Equal("not json", DeclaredOperations.KeepResult("not json", ["status"]));
        Assert.Equal("""{"a":1}""", DeclaredOperations.KeepResult("""{"a":1}""", []));
    }

    [Theory]
    [InlineData(200, AnswerClass.Success)]
    [InlineData(201, AnswerClass.Success)]
    [InlineData(402, AnswerClass.BusinessFailure)]
    [InlineData(409, AnswerClass.BusinessFailure)]
    [InlineData(408, AnswerClass.Transient)]
    [InlineData(429, AnswerClass.Transient)]
    [InlineData(503, AnswerClass.Transient)]
    public void Answers_are_classified_by_default(int status, AnswerClass expected) =>
        Assert.Equal(expected, new AnswerClassification().Classify(status));

    [Fact]
    public void Declared_statuses_move_from_the_default()
    {
        var outcomes = new AnswerClassification { Success = [404], BusinessFailure = [503], Transient = [409] };
        Assert.Equal(AnswerClass.Success, outcomes.Classify(404));
        Assert.Equal(AnswerClass.BusinessFailure, outcomes.Classify(503));
        Assert.Equal(AnswerClass.Transient, outcomes.Classify(409));
    }

    [Fact]
    public void Operation_names_split_into_system_and_operation()
    {
        Assert.Equal("billing", OperationNames.SystemOf("billing.charge"));
        Assert.Equal("charge", OperationNames.OperationOf("billing.charge"));
        Assert.Null(OperationNames.SystemOf("charge"));
        Assert.Null(OperationNames.SystemOf(null));
    }
}
