namespace ApiLed.Chaos;

/// <summary>What happened to one planned order: every answer it got, and its final status. Safe to update from several tasks.</summary>
internal sealed class OrderRecord(PlannedOrder planned)
{
    private readonly Lock _gate = new();
    private readonly List<string> _acceptedIds = [];

    public PlannedOrder Planned { get; } = planned;

    /// <summary>The order id of the first 202.</summary>
    public string? OrderId { get; private set; }

    /// <summary>The total of the first 202.</summary>
    public long TotalCents { get; private set; }

    /// <summary>POST attempts (retries and the replay included).</summary>
    public int Attempts { get; private set; }

    /// <summary>The last answer that was not a 202 (status and error), for the report.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>The deliberate replay was sent and answered 202.</summary>
    public bool ReplayAnswered { get; private set; }

    /// <summary>The order id the deliberate replay's 202 named.</summary>
    public string? ReplayOrderId { get; private set; }

    /// <summary>The last status read from the experience API.</summary>
    public OrderView? Final { get; set; }

    /// <summary>The tool's operator decided its approval (the answer's status code: 200 taken, 409 not waiting any more).</summary>
    public int? ApprovalAnswer { get; set; }

    /// <summary>The operator retried its parked saga (the answer's status code).</summary>
    public int? OperatorRetry { get; set; }

    /// <summary>Every order id a 202 for this Idempotency-Key named (should all be the same).</summary>
    public IReadOnlyList<string> AcceptedIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _acceptedIds];
            }
        }
    }

    public void Record(PlaceAnswer answer, bool deliberateReplay)
    {
        lock (_gate)
        {
            Attempts++;
            if (!answer.Accepted)
            {
                LastRefusal = $"{(answer.Status == 0 ? "no answer" : $"HTTP {answer.Status}")}: {answer.Error}";
                return;
            }

            _acceptedIds.Add(answer.OrderId!);
            if (OrderId is null)
            {
                OrderId = answer.OrderId;
                TotalCents = answer.TotalCents;
            }

            if (deliberateReplay)
            {
                ReplayAnswered = true;
                ReplayOrderId = answer.OrderId;
            }
        }
    }
}
