using ApiLed.ProcessApi.DeadLetters;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>Operators' view of the broker's dead letters: each queue's count, the messages with why they died, and replay or discard.</summary>
public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/dead-letters").WithTags("Dead letters");

        api.MapGet("/", async (DeadLetterQueues deadLetters, CancellationToken ct) => TypedResults.Ok(await deadLetters.ListAsync(ct)))
            .WithSummary("Every queue of the layer with the number of messages in its dead-letter queue.");

        api.MapGet("/{queue}", async Task<IResult> (string queue, int? limit, DeadLetterQueues deadLetters, CancellationToken ct) =>
            {
                if (!deadLetters.IsKnown(queue))
                {
                    return UnknownQueue(queue, deadLetters);
                }

                if (limit is not null and (< 1 or > 200))
                {
                    return new FieldErrors().Add("limit", "Browse 1 to 200 messages at a time.").ToResult();
                }

                return TypedResults.Ok(await deadLetters.BrowseAsync(queue, limit ?? 50, ct));
            })
            .WithSummary("The dead letters of a queue, oldest first (up to limit, default 50): ids, type, why and when each died, and the body. They stay where they are.")
            .Produces<List<DeadLetterMessage>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        foreach (var (verb, replay, summary) in new[]
                 {
                     ("replay", true, "Sends the chosen dead letters (messageIds, or all) back to the queue they died in, to be handled again; who and why are recorded."),
                     ("discard", false, "Drops the chosen dead letters (messageIds, or all) for good; who and why are recorded."),
                 })
        {
            api.MapPost("/{queue}/" + verb, (string queue, DeadLetterSelection selection, DeadLetterQueues deadLetters, OperatorActionLog log, CancellationToken ct) =>
                    TakeAsync(queue, selection, replay, deadLetters, log, ct))
                .WithSummary(summary)
                .Produces<DeadLetterActionResult>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
        }

        app.MapGet("/api/v1/operator-actions", async (int? limit, OperatorActionLog log, CancellationToken ct) =>
                TypedResults.Ok(await log.RecentAsync(Math.Clamp(limit ?? 50, 1, 500), ct)))
            .WithTags("Dead letters")
            .WithSummary("Operators' recent actions on dead letters, newest first: who, why, what (actions on a saga are in its history).");
        return app;
    }

    private static async Task<IResult> TakeAsync(string queue, DeadLetterSelection selection, bool replay, DeadLetterQueues deadLetters,
        OperatorActionLog log, CancellationToken ct)
    {
        if (!deadLetters.IsKnown(queue))
        {
            return UnknownQueue(queue, deadLetters);
        }

        if (selection.Validate() is { Any: true } errors)
        {
            return errors.ToResult();
        }

        var result = await deadLetters.TakeAsync(queue, selection, replay, ct);
        await log.RecordAsync(selection.By!.Trim(), selection.Reason!.Trim(), replay ? "dead-letter-replay" : "dead-letter-discard", queue,
            $"{result.Done.Count} {result.Action}: {string.Join(", ", result.Done.Take(50))}{(result.Done.Count > 50 ? ", …" : "")}", ct);
        return TypedResults.Ok(result);
    }

    private static IResult UnknownQueue(string queue, DeadLetterQueues deadLetters) =>
        Problems.Of(StatusCodes.Status404NotFound, "queue-not-found", "No such queue in the layer.",
            $"'{queue}' is not one of the layer's queues: {string.Join(", ", deadLetters.Queues)}.");
}
