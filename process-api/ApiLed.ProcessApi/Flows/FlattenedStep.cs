using ApiLed.Sagas.Flows;

namespace ApiLed.ProcessApi.Flows;

/// <summary>
/// A step of a configured flow with choices and parallel steps laid out in line: the step with the condition of its
/// branches folded into its <c>When</c>, where it is in the flows file, and the branches it sits in (a step may read only
/// steps of its own branches or outside every choice, since a sibling branch's steps did not run, and not the steps of a
/// sibling parallel branch, which run at the same time).
/// </summary>
public sealed record FlattenedStep(StepDefinition Step, string At, string Branch)
{
    /// <summary>Whether a step in <paramref name="reader"/> can read this one's result: it ran whenever the reader runs.</summary>
    public bool VisibleFrom(FlattenedStep reader) =>
        (Branch.Length == 0 || reader.Branch == Branch || reader.Branch.StartsWith(Branch + "/", StringComparison.Ordinal))
        && !(Step.Group is { } group && reader.Step.Group == group && reader.Step.Lane != Step.Lane); // a sibling branch runs at the same time

    /// <summary>The flow's steps with every choice laid out in line (see <see cref="ChoiceDefinition"/>).</summary>
    public static List<FlattenedStep> Of(IReadOnlyList<StepDefinition> steps, string at = "Steps", string branch = "", string? condition = null)
    {
        var flat = new List<FlattenedStep>();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var stepAt = $"{at}:{i}";
            if (step.Parallel is { } parallel)
            {
                // Side by side: each branch's steps in line, tagged with the group and their branch; seen after the join by every later step.
                for (var b = 0; b < parallel.Branches.Count; b++)
                {
                    var lane = b;
                    flat.AddRange(Of(parallel.Branches[b].Steps, $"{stepAt}:Parallel:Branches:{b}:Steps", branch, condition)
                        .Select(f => f with { Step = f.Step with { Group = step.Name, Lane = lane } }));
                }

                continue;
            }

            if (step.Choice is not { } choice)
            {
                flat.Add(new FlattenedStep(step with { When = Both(condition, step.When) }, stepAt, branch));
                continue;
            }

            var earlier = new List<string>();
            for (var b = 0; b < choice.Branches.Count; b++)
            {
                var taken = Both(condition, Both(string.Join(" and ", earlier.Select(c => $"not ({c})")), choice.Branches[b].When));
                flat.AddRange(Of(choice.Branches[b].Steps, $"{stepAt}:Choice:Branches:{b}:Steps", $"{branch}/{i}.{b}", taken));
                earlier.Add(choice.Branches[b].When);
            }

            var otherwise = Both(condition, string.Join(" and ", earlier.Select(c => $"not ({c})")));
            flat.AddRange(Of(choice.Otherwise, $"{stepAt}:Choice:Otherwise", $"{branch}/{i}.otherwise", otherwise));
        }

        return flat;
    }

    private static string? Both(string? a, string? b) =>
        string.IsNullOrWhiteSpace(a) ? (string.IsNullOrWhiteSpace(b) ? null : b)
        : string.IsNullOrWhiteSpace(b) ? a
        : $"({a}) and ({b})";
}
