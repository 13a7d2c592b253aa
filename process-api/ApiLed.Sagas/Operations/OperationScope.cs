using System.Buffers;
using System.Text.Json;

namespace ApiLed.Sagas.Operations;

/// <summary>
/// What the expressions of a saga's operations read: <c>order</c> (the order as accepted), <c>partner</c>
/// (<c>id</c>), <c>saga</c> (<c>orderId</c>, <c>flow</c>, <c>correlationId</c>) and <c>steps.{step}</c>
/// (<c>status</c>, and <c>result</c>: the fields its operation kept); for the operation of a callback step, <c>callback</c>
/// (<c>token</c>: what the external system calls back with).
/// </summary>
public static class OperationScope
{
    /// <summary>The scope of <paramref name="saga"/>; <paramref name="step"/> is the step whose operation runs, if any.</summary>
    public static JsonDocument Of(SagaState saga, string? step = null)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("order");
            JsonSerializer.Serialize(writer, saga.Order, JsonSerializerOptions.Web);
            writer.WriteStartObject("partner");
            writer.WriteString("id", saga.Order.PartnerId);
            writer.WriteEndObject();
            writer.WriteStartObject("saga");
            writer.WriteString("orderId", saga.OrderId);
            writer.WriteString("flow", saga.Flow);
            writer.WriteString("correlationId", saga.CorrelationId);
            writer.WriteEndObject();
            writer.WriteStartObject("steps");
            foreach (var each in saga.Steps)
            {
                writer.WriteStartObject(each.Name);
                writer.WriteString("status", each.Status);
                writer.WritePropertyName("result");
                WriteResult(writer, each.Result);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            if (step is not null && saga.CallbackSecret is not null && saga.Definition.Steps.Any(s => s.Name == step && s.Callback is not null))
            {
                writer.WriteStartObject("callback");
                writer.WriteString("token", SagaTransitions.CallbackToken(saga, step));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static void WriteResult(Utf8JsonWriter writer, string? result)
    {
        if (string.IsNullOrEmpty(result))
        {
            writer.WriteNullValue();
            return;
        }

        try
        {
            using var parsed = JsonDocument.Parse(result);
            parsed.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(result); // an answer that was not JSON (or was cut short) stays readable as text
        }
    }
}
