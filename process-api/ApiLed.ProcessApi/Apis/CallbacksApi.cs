using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ApiLed.ProcessApi.Sagas;
using ApiLed.Sagas;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>
/// Callbacks from external systems on callback steps (like Step Functions' <c>SendTaskSuccess</c> / <c>SendTaskFailure</c>):
/// the token the step's operation handed out names the order and the step. Success goes on with the callback's body as the
/// step's result; failure fails the order and compensates it. A callback that comes before its step is seen waiting is held
/// (202) and taken as soon as it is; a token whose step no longer waits answers 409.
/// </summary>
public static class CallbacksApi
{
    public static IEndpointRouteBuilder MapCallbacksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/callbacks").WithTags("Callbacks");

        api.MapPost("/{token}/succeed", async (string token, HttpRequest request, SagaStore store, CallbackDelivery delivery, TimeProvider time,
                CancellationToken ct) =>
            {
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync(ct);
                if (body.Length > 0 && !IsJson(body))
                {
                    return Problems.Validation("body", "The body is the step's result: a JSON value (or nothing).");
                }

                return await CallBackAsync(token, true, body.Length > 0 ? body : null, store, delivery, time, ct);
            })
            .WithSummary("An external system reports the work of a callback step done; the optional JSON body becomes the step's result.")
            .Accepts<JsonElement>("application/json")
            .Produces<CallbackReceipt>()
            .Produces<CallbackReceipt>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{token}/fail", (string token, CallbackFailure failure, SagaStore store, CallbackDelivery delivery, TimeProvider time,
                CancellationToken ct) =>
                string.IsNullOrWhiteSpace(failure.Reason) || failure.Reason.Length > 2000
                    ? Task.FromResult(Problems.Validation("reason", "Why it failed is required (at most 2000 characters)."))
                    : CallBackAsync(token, false, failure.Reason.Trim(), store, delivery, time, ct))
            .WithSummary("An external system reports the work of a callback step failed: the order fails and what was done is undone.")
            .Produces<CallbackReceipt>()
            .Produces<CallbackReceipt>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    private static async Task<IResult> CallBackAsync(string token, bool succeeded, string? detail, SagaStore store, CallbackDelivery delivery,
        TimeProvider time, CancellationToken ct)
    {
        var dot = token.LastIndexOf('.');
        var saga = dot > 0 ? await store.FindAsync(token[..dot], ct) : null;
        var step = saga?.CallbackSecret is null ? null : saga.Steps.FirstOrDefault(s =>
            saga.DefinitionOf(s).Callback is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(SagaTransitions.CallbackToken(saga, s.Name)), Encoding.UTF8.GetBytes(token)));
        if (saga is null || step is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "callback-token-unknown", "No step waits with this token.",
                "The token is not one ApiLed handed out: send the whole token the step's request carried (${callback.token}).");
        }

        var receipt = new CallbackReceipt(saga.OrderId, step.Name, succeeded ? "succeeded" : "failed");
        return await delivery.DeliverAsync(saga, step.Name, new EarlyCallback(succeeded, detail, time.GetUtcNow()), ct) switch
        {
            CallbackDelivery.Outcome.Taken => TypedResults.Ok(receipt),
            CallbackDelivery.Outcome.Held => TypedResults.Accepted($"/api/v1/sagas/{saga.OrderId}", receipt), // taken once the step is seen waiting
            _ => Problems.Of(StatusCodes.Status409Conflict, "callback-not-awaited", "The step no longer waits for a callback.",
                $"Step '{step.Name}' of order '{saga.OrderId}' is {step.Status} (called back already, past its deadline, or the order was cancelled or failed)."),
        };
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
