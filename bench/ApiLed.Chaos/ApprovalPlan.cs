namespace ApiLed.Chaos;

/// <summary>What the tool, as an operator, does with an order waiting for approval.</summary>
internal enum ApprovalPlan
{
    /// <summary>Not a large order: it never waits.</summary>
    None,

    /// <summary>Approve it: it goes on (and may still fail under the faults, but not at the approval).</summary>
    Approve,

    /// <summary>Reject it: it fails at the approval, with its reservation released and nothing charged.</summary>
    Reject,

    /// <summary>Leave it: the deadline rejects it.</summary>
    Undecided,
}
