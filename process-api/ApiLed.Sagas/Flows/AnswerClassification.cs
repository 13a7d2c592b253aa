namespace ApiLed.Sagas.Flows;

/// <summary>
/// How an operation's HTTP answers are classified. By default a 2xx is a success; 408, 429 and 5xx are transient
/// (retried under the step's policy, then compensated); every other status is a business failure (final, never
/// retried). The lists move single status codes from that default.
/// </summary>
public sealed record AnswerClassification
{
    /// <summary>Statuses that count as success besides 2xx (e.g. 404 for a read that may find nothing).</summary>
    public List<int> Success { get; init; } = [];

    /// <summary>Statuses that are a final "no": the step fails without retries and nothing is left to undo.</summary>
    public List<int> BusinessFailure { get; init; } = [];

    /// <summary>Statuses that are retried (e.g. 409 while the system is still busy with the same request).</summary>
    public List<int> Transient { get; init; } = [];

    /// <summary>The class of <paramref name="status"/>.</summary>
    public AnswerClass Classify(int status)
    {
        if (Success.Contains(status))
        {
            return AnswerClass.Success;
        }

        if (BusinessFailure.Contains(status))
        {
            return AnswerClass.BusinessFailure;
        }

        if (Transient.Contains(status))
        {
            return AnswerClass.Transient;
        }

        return status switch
        {
            >= 200 and < 300 => AnswerClass.Success,
            >= 500 or 408 or 429 => AnswerClass.Transient,
            _ => AnswerClass.BusinessFailure,
        };
    }
}
