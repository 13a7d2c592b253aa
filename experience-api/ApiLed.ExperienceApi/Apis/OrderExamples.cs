using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ApiLed.ExperienceApi.Apis;

/// <summary>Puts a complete, working request example (valid against the seeded demo data) into the OpenAPI document.</summary>
public sealed class OrderExamples : IOperationFilter
{
    public const string Example = """
        {
          "customerId": "cust-1001",
          "lines": [ { "sku": "SKU-RED-MUG", "quantity": 2 }, { "sku": "SKU-BLUE-TEE", "quantity": 1 } ],
          "paymentReference": "card-ok-4242",
          "shipTo": { "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH", "country": "GB" },
          "callbackUrl": null
        }
        """;

    public static void Configure(SwaggerGenOptions options) => options.OperationFilter<OrderExamples>();

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId != "PlaceOrder")
        {
            return;
        }

        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType body)
        {
            body.Example = JsonNode.Parse(Example);
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { Name: "Idempotency-Key" } key)
            {
                key.Required = true;
                key.Description = "Any unique string per order (e.g. a UUID). The same key again returns the same order.";
                key.Example = JsonValue.Create("order-2026-0001");
            }
        }
    }
}
