using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Flows;

/// <summary>What an integration architect knows about a flow, as the seeds' decision flowchart asks it.</summary>
public sealed record FlowCharacteristics
{
    /// <summary>Must all steps complete in strict order?</summary>
    public bool StrictOrdering { get; init; }

    /// <summary>Does the caller need a guaranteed answer (an acknowledgement it can rely on)?</summary>
    public bool CallerNeedsGuaranteedAnswer { get; init; }

    /// <summary>How many services take part.</summary>
    public int Services { get; init; }

    /// <summary>Are the participating teams independent, with separate release cycles?</summary>
    public bool IndependentTeams { get; init; }

    /// <summary>Expected events per minute at peak.</summary>
    public int EventsPerMinute { get; init; }

    /// <summary>Does a person approve a step?</summary>
    public bool HumanApproval { get; init; }
}

/// <summary>The advisor's view: the mode it recommends, the modes that do not contradict it, and why.</summary>
public sealed record FlowAdvice(string Recommended, IReadOnlyList<string> Acceptable, IReadOnlyList<string> Reasons)
{
    public bool Accepts(string mode) => Acceptable.Contains(mode);
}

/// <summary>
/// The decision flowchart and trade-off matrix of the seeds (orchestration vs choreography), as code. A hybrid
/// keeps an orchestrated core, so it never contradicts a recommendation of orchestration; it is the flowchart's
/// own answer when a guaranteed answer meets more than a handful of services.
/// </summary>
public static class FlowAdvisor
{
    public const int ManyServices = 5;
    public const int HighThroughputPerMinute = 1000;

    public static FlowAdvice Advise(FlowCharacteristics c)
    {
        var reasons = new List<string>();
        string[] orchestrated = [FlowModes.Orchestration, FlowModes.Hybrid];
        string[] choreographed = [FlowModes.Choreography, FlowModes.Hybrid];

        if (c.StrictOrdering)
        {
            reasons.Add("All steps must complete in strict order: the flowchart says orchestration (one owner of the sequence).");
        }

        if (c.HumanApproval)
        {
            reasons.Add("A person approves a step: long-running, audited workflows with approvals belong to an orchestrator.");
        }

        if (c.StrictOrdering || c.HumanApproval)
        {
            return Advice(FlowModes.Orchestration, orchestrated, reasons, c);
        }

        reasons.Add("Steps need not complete in strict order.");
        if (c.CallerNeedsGuaranteedAnswer)
        {
            if (c.Services < ManyServices)
            {
                reasons.Add($"The caller needs a guaranteed answer and only {c.Services} services take part (< {ManyServices}): orchestration.");
                return Advice(FlowModes.Orchestration, orchestrated, reasons, c);
            }

            reasons.Add($"The caller needs a guaranteed answer and {c.Services} services take part (≥ {ManyServices}): hybrid — a synchronous acknowledgement and asynchronous processing.");
            return Advice(FlowModes.Hybrid, [FlowModes.Hybrid], reasons, c);
        }

        reasons.Add("The caller does not wait for a guaranteed answer.");
        if (c.IndependentTeams)
        {
            reasons.Add("The participating teams are independent with separate release cycles: choreography.");
            return Advice(FlowModes.Choreography, choreographed, reasons, c);
        }

        if (c.EventsPerMinute > HighThroughputPerMinute)
        {
            reasons.Add($"{c.EventsPerMinute} events per minute (> {HighThroughputPerMinute}): choreography, no central bottleneck.");
            return Advice(FlowModes.Choreography, choreographed, reasons, c);
        }

        reasons.Add("One team owns every step and throughput is moderate: either works; orchestration is simpler to own and debug.");
        return Advice(FlowModes.Orchestration, FlowModes.All, reasons, c);
    }

    private static FlowAdvice Advice(string mode, IReadOnlyList<string> acceptable, List<string> reasons, FlowCharacteristics c)
    {
        if (c.Services > ManyServices && c.IndependentTeams && mode == FlowModes.Orchestration)
        {
            reasons.Add($"Note: the matrix favours choreography for > {ManyServices} participants with autonomous teams; the orchestrator may become their bottleneck.");
        }

        return new FlowAdvice(mode, acceptable, reasons);
    }
}
