using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.Operations;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Flows;

/// <summary>Checks flow definitions; every message names the file, the flow and the field.</summary>
public static class FlowValidator
{
    public static List<string> Validate(FlowsOptions options, string source)
    {
        var failures = new List<string>();
        void Fail(string message) => failures.Add($"{source}: {message}");

        if (options.Definitions.Count == 0)
        {
            Fail("Flows:Definitions is empty; define at least the order flow.");
        }
        else if (!options.Definitions.ContainsKey(options.OrderFlow))
        {
            Fail($"Flows:OrderFlow names '{options.OrderFlow}', which is not among Flows:Definitions ({string.Join(", ", options.Definitions.Keys)}).");
        }

        ValidateSystems(options, Fail);

        foreach (var (flowName, flow) in options.Definitions)
        {
            var at = $"Flows:Definitions:{flowName}";
            var choreographed = flow.Mode == FlowModes.Choreography;
            if (!FlowModes.All.Contains(flow.Mode))
            {
                Fail($"{at}:Mode is '{flow.Mode}'; use one of {string.Join(", ", FlowModes.All)}.");
            }

            if (flow.Steps.Count == 0)
            {
                Fail($"{at}:Steps is empty; a flow needs at least one step.");
            }

            ValidateChoices(flow.Steps, $"{at}:Steps", Fail);
            ValidateParallels(flow.Steps, $"{at}:Steps", Fail);
            var flat = FlattenedStep.Of(flow.Steps, $"{at}:Steps");
            var names = new HashSet<string>(StringComparer.Ordinal);
            var emitters = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < flat.Count; i++)
            {
                var step = flat[i].Step;
                var stepAt = flat[i].At;
                if (string.IsNullOrWhiteSpace(step.Name))
                {
                    Fail($"{stepAt}:Name is required.");
                }
                else if (!names.Add(step.Name))
                {
                    Fail($"{stepAt}:Name '{step.Name}' is used by an earlier step; step names must be unique.");
                }

                ValidateStepOperation(options, flat, i, Fail);

                if (step.Timeout <= TimeSpan.Zero)
                {
                    Fail($"{stepAt}:Timeout must be positive.");
                }

                if (step.Retry.MaxAttempts is < 1 or > 20)
                {
                    Fail($"{stepAt}:Retry:MaxAttempts must be between 1 and 20.");
                }

                if (step.Retry.BaseDelay < TimeSpan.Zero)
                {
                    Fail($"{stepAt}:Retry:BaseDelay cannot be negative.");
                }

                foreach (var (field, name) in new[] { ("Succeeded", step.Events.Succeeded), ("Failed", step.Events.Failed), ("Compensated", step.Events.Compensated) })
                {
                    var eventAt = $"{stepAt}:Events:{field}";
                    if (string.IsNullOrEmpty(name))
                    {
                        if (choreographed)
                        {
                            Fail($"{eventAt} is required in choreography mode: participants react to each other's events.");
                        }

                        continue;
                    }

                    if (name.Any(ch => ch is '*' or '#' || char.IsWhiteSpace(ch)) || name.StartsWith('.') || name.EndsWith('.'))
                    {
                        Fail($"{eventAt} '{name}' is not a valid routing key (dot-separated words, no wildcards).");
                    }
                    else if (name.StartsWith(ChoreographyQueues.KeyPrefix, StringComparison.Ordinal))
                    {
                        Fail($"{eventAt} '{name}' starts with '{ChoreographyQueues.KeyPrefix}', which is reserved for routing events to the participants.");
                    }
                    else if (SagaTransitions.ReservedEvents.Contains(name))
                    {
                        Fail($"{eventAt} '{name}' is the saga's own outcome event; a step cannot emit it (the event wiring would loop back to the start).");
                    }
                    else if (emitters.TryGetValue(name, out var other))
                    {
                        Fail($"{eventAt} '{name}' is also emitted by {other}: one event would trigger two reactions, so the event wiring would loop.");
                    }
                    else
                    {
                        emitters[name] = $"{step.Name}:{field}";
                    }
                }
            }

            if (flow.CancelUntil is { } until && !flat.Any(f => f.Step.Name == until))
            {
                Fail($"{at}:CancelUntil names '{until}', which is not a step of the flow ({string.Join(", ", flat.Select(f => f.Step.Name))}); partners could cancel until the order is done.");
            }
        }

        return failures;
    }

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    private static void ValidateSystems(FlowsOptions options, Action<string> fail)
    {
        foreach (var (name, system) in options.Systems)
        {
            var at = $"Flows:Systems:{name}";
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                fail($"{at}: a system's name is letters, digits, '-' and '_' ('{name}' is not: steps name operations as system.operation).");
            }

            if (!HttpAddressAttribute.IsHttpAddress(system.BaseUrl))
            {
                fail($"{at}:BaseUrl is required: the system's absolute http(s) address, e.g. http://127.0.0.1:5202.");
            }

            for (var i = 0; i < system.Replicas.Length; i++)
            {
                if (!HttpAddressAttribute.IsHttpAddress(system.Replicas[i]))
                {
                    fail($"{at}:Replicas:{i} must be an absolute http(s) address of another instance of the system, e.g. http://127.0.0.1:5212.");
                }
            }

            if (system.ConcurrencyLimit is < 0 or > 10_000)
            {
                fail($"{at}:ConcurrencyLimit must be between 0 (no limit) and 10000.");
            }

            var resilience = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            System.ComponentModel.DataAnnotations.Validator.TryValidateObject(system.Resilience,
                new System.ComponentModel.DataAnnotations.ValidationContext(system.Resilience), resilience, validateAllProperties: true);
            foreach (var result in resilience)
            {
                fail($"{at}:Resilience:{string.Join(",", result.MemberNames)}: {result.ErrorMessage}");
            }

            if (system.Operations.Count == 0)
            {
                fail($"{at}:Operations is empty; a system offers at least one operation.");
            }

            foreach (var (operationName, operation) in system.Operations)
            {
                ValidateOperation(system, $"{at}:Operations:{operationName}", operationName, operation, fail);
            }
        }
    }

    private static void ValidateOperation(SystemDefinition system, string at, string name, OperationDefinition operation, Action<string> fail)
    {
        if (name.Length == 0 || name.Contains('.') || name.Any(char.IsWhiteSpace))
        {
            fail($"{at}: an operation's name has no dots or spaces.");
        }

        if (!Methods.Contains(operation.Method.ToUpperInvariant()))
        {
            fail($"{at}:Method '{operation.Method}' is not one of {string.Join(", ", Methods)}.");
        }

        if (!operation.Path.StartsWith('/'))
        {
            fail($"{at}:Path '{operation.Path}' must start with '/' (it is appended to the system's BaseUrl).");
        }
        else if (TextTemplate.Parse(operation.Path, out var pathError) is null)
        {
            fail($"{at}:Path has a bad expression: {pathError}.");
        }

        var fields = operation.Body.Keys.Select(k => k.Split('.')).ToList();
        foreach (var (field, template) in operation.Body)
        {
            if (field.Split('.').Any(part => part.Length == 0))
            {
                fail($"{at}:Body:{field}: a field name cannot be empty or start or end with a dot.");
            }
            else if (fields.Any(other => other.Length > field.Split('.').Length && string.Join('.', other).StartsWith(field + ".", StringComparison.Ordinal)))
            {
                fail($"{at}:Body:{field} is a value and also has nested fields; give it one or the other.");
            }

            if (TextTemplate.Parse(template, out var bodyError) is null)
            {
                fail($"{at}:Body:{field} has a bad expression: {bodyError}.");
            }
        }

        if (!operation.Mutating && operation.Body.Count > 0)
        {
            fail($"{at}:Body: a GET sends no body.");
        }

        foreach (var field in operation.Result.Where(f => string.IsNullOrWhiteSpace(f)))
        {
            fail($"{at}:Result names an empty field.");
        }

        var classified = new Dictionary<int, string>();
        foreach (var (list, codes) in new[] { ("Success", operation.Outcomes.Success), ("BusinessFailure", operation.Outcomes.BusinessFailure), ("Transient", operation.Outcomes.Transient) })
        {
            foreach (var code in codes)
            {
                if (code is < 100 or > 599)
                {
                    fail($"{at}:Outcomes:{list}: {code} is not an HTTP status.");
                }
                else if (!classified.TryAdd(code, list))
                {
                    fail($"{at}:Outcomes:{list}: {code} is also listed under {classified[code]}; a status has one meaning.");
                }
            }
        }

        if (operation.Undo is { Length: > 0 } undo)
        {
            if (undo == name)
            {
                fail($"{at}:Undo: an operation cannot undo itself.");
            }
            else if (!system.Operations.TryGetValue(undo, out var undoing))
            {
                fail($"{at}:Undo '{undo}' is not an operation of this system ({string.Join(", ", system.Operations.Keys)}).");
            }
            else if (!undoing.Mutating)
            {
                fail($"{at}:Undo '{undo}' is a GET: reading cannot undo a change.");
            }
            else if (undoing.Undo is { Length: > 0 } again)
            {
                fail($"{at}:Undo '{undo}' declares an Undo of its own ('{again}'): undoing an undo is a cycle; an undo is final.");
            }
        }
    }

    /// <summary>The step's operation exists, can be undone when it changes something, and reads only steps that ran before it.</summary>
    private static void ValidateStepOperation(FlowsOptions options, IReadOnlyList<FlattenedStep> flat, int index, Action<string> fail)
    {
        var step = flat[index].Step;
        var stepAt = flat[index].At;
        var earlier = flat.Take(index).Where(f => f.VisibleFrom(flat[index])).Select(f => f.Step.Name).ToHashSet(StringComparer.Ordinal);
        if (step.When is { Length: > 0 } when && FlowCondition.Parse(when, out _) is { } condition)
        {
            foreach (var read in condition.Operands.Select(o => o.Path).OfType<IReadOnlyList<string>>().Where(p => p is ["steps", ..]).Select(p => p[1]))
            {
                if (!earlier.Contains(read))
                {
                    fail($"{stepAt}:When reads step '{read}', which does not always run before step '{step.Name}' (later, or in another branch).");
                }
            }
        }

        if (step.Approval is { } approval)
        {
            ValidateApproval(step, approval, stepAt, fail);
            return;
        }

        if (step.Wait is { } wait)
        {
            ValidateWait(step, wait, stepAt, earlier, fail);
            return;
        }

        if (step.Callback is { } callback)
        {
            if (string.IsNullOrEmpty(step.Operation))
            {
                fail($"{stepAt}:Callback needs an Operation: the call that hands the external system its token (${{callback.token}}).");
                return;
            }

            if (callback.Deadline <= TimeSpan.Zero)
            {
                fail($"{stepAt}:Callback:Deadline must be a positive duration.");
            }
        }

        if (options.Operation(step.Operation) is not { } operation)
        {
            var known = options.Systems.SelectMany(s => s.Value.Operations.Keys.Select(o => OperationNames.Qualify(s.Key, o)));
            fail($"{stepAt}:Operation '{step.Operation}' is unknown; known operations: {string.Join(", ", known)}.");
            return;
        }

        var system = OperationNames.SystemOf(step.Operation)!;
        var required = operation.Undo is { Length: > 0 } undo ? OperationNames.Qualify(system, undo) : null;
        if (operation.Mutating && required is null)
        {
            fail($"{stepAt}:Operation '{step.Operation}' changes its system ({operation.Method}) and declares no Undo " +
                 $"(Flows:Systems:{system}:Operations:{OperationNames.OperationOf(step.Operation)}:Undo): a failed order could not be put right.");
        }
        else if (step.Compensation is not null && step.Compensation != (required ?? ""))
        {
            fail(required is null
                ? $"{stepAt}:Compensation '{step.Compensation}' undoes nothing: '{step.Operation}' only reads; leave Compensation out."
                : step.Compensation.Length == 0
                    ? $"{stepAt}:Compensation is required: '{step.Operation}' changes a system of record and is undone by '{required}' (leave Compensation out to use it)."
                    : $"{stepAt}:Compensation '{step.Compensation}' does not undo '{step.Operation}'; use '{required}' (or leave Compensation out).");
        }

        CheckReads(operation, earlier, step, step.Operation, stepAt, fail);
        if (required is not null && options.Operation(required) is { } undoing)
        {
            CheckReads(undoing, new HashSet<string>(earlier.Append(step.Name), StringComparer.Ordinal), step, required, stepAt, fail);
        }
    }

    private static void CheckReads(OperationDefinition operation, IReadOnlySet<string> readable, StepDefinition step, string name, string stepAt,
        Action<string> fail)
    {
        var templates = operation.Body.Values.Append(operation.Path);
        foreach (var expression in templates.Select(t => TextTemplate.Parse(t, out _)).OfType<TextTemplate>().SelectMany(t => t.Expressions))
        {
            if (expression.Path is ["steps", var read, ..] && !readable.Contains(read))
            {
                fail($"{stepAt}:Operation '{name}' reads '{expression.Text.Trim()}', but step '{read}' does not always run before step '{step.Name}' (later, or in another branch).");
            }
            else if (expression.Path is ["callback", ..] && (step.Callback is null || name != step.Operation))
            {
                fail($"{stepAt}:Operation '{name}' reads '{expression.Text.Trim()}', but only the operation of a callback step (Callback) has a token.");
            }
        }
    }

    private static void ValidateApproval(StepDefinition step, ApprovalDefinition approval, string stepAt, Action<string> fail)
    {
        if (!string.IsNullOrEmpty(step.Operation) || !string.IsNullOrEmpty(step.Compensation) || step.Wait is not null || step.Callback is not null)
        {
            fail($"{stepAt}: a step awaits an approval (Approval), waits (Wait) or calls an operation (Operation, Compensation, Callback): one of them.");
        }

        if (string.IsNullOrWhiteSpace(approval.Group))
        {
            fail($"{stepAt}:Approval:Group is required: who decides.");
        }

        if (approval.Deadline <= TimeSpan.Zero)
        {
            fail($"{stepAt}:Approval:Deadline must be a positive duration.");
        }

        if (!ApprovalDeadlines.All.Contains(approval.OnDeadline))
        {
            fail($"{stepAt}:Approval:OnDeadline is '{approval.OnDeadline}'; use one of {string.Join(", ", ApprovalDeadlines.All)}.");
        }
        else if (approval.OnDeadline == ApprovalDeadlines.Escalate && string.IsNullOrWhiteSpace(approval.EscalateTo))
        {
            fail($"{stepAt}:Approval:EscalateTo is required when OnDeadline is escalate: the group the approval is handed to.");
        }
    }

    private static void ValidateWait(StepDefinition step, WaitDefinition wait, string stepAt, HashSet<string> earlier, Action<string> fail)
    {
        if (!string.IsNullOrEmpty(step.Operation) || !string.IsNullOrEmpty(step.Compensation) || step.Callback is not null)
        {
            fail($"{stepAt}: a step waits (Wait) or calls an operation (Operation, Compensation, Callback), not both.");
        }

        if ((wait.For is null) == string.IsNullOrWhiteSpace(wait.Until))
        {
            fail($"{stepAt}:Wait needs either For (a duration) or Until (a time), not {(wait.For is null ? "neither" : "both")}.");
        }
        else if (wait.For is { } duration && duration <= TimeSpan.Zero)
        {
            fail($"{stepAt}:Wait:For must be a positive duration.");
        }
        else if (wait.Until is { Length: > 0 } until)
        {
            if (TextTemplate.Parse(until, out var error) is not { } template)
            {
                fail($"{stepAt}:Wait:Until has a bad expression: {error}.");
            }
            else if (template.Expressions.Select(e => e.Path).OfType<IReadOnlyList<string>>().FirstOrDefault(p => p is ["steps", ..] && !earlier.Contains(p[1])) is { } read)
            {
                fail($"{stepAt}:Wait:Until reads step '{read[1]}', which does not always run before step '{step.Name}'.");
            }
        }
    }

    /// <summary>Parallel entries have two branches or more, each of steps that call operations (no conditions, waits or nesting).</summary>
    private static void ValidateParallels(IReadOnlyList<StepDefinition> steps, string at, Action<string> fail)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var stepAt = $"{at}:{i}";
            if (step.Group is not null || step.Lane != 0)
            {
                fail($"{stepAt}: Group and Lane are not settings of the flows file (the engine sets them for the steps of a Parallel entry).");
            }

            if (step.Choice is { } choice)
            {
                for (var b = 0; b < choice.Branches.Count; b++)
                {
                    ValidateParallels(choice.Branches[b].Steps, $"{stepAt}:Choice:Branches:{b}:Steps", fail);
                }

                ValidateParallels(choice.Otherwise, $"{stepAt}:Choice:Otherwise", fail);
            }

            if (step.Parallel is not { } parallel)
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(step.Name))
            {
                fail($"{stepAt}:Name is required: it names the parallel step in the saga's history.");
            }

            if (!string.IsNullOrEmpty(step.Operation) || step.Choice is not null || step.Approval is not null || step.Wait is not null
                || step.Callback is not null || !string.IsNullOrWhiteSpace(step.When))
            {
                fail($"{stepAt}: a Parallel entry has a Name and Branches only (to run it on a condition, put it in a Choice branch).");
            }

            if (parallel.Branches.Count < 2)
            {
                fail($"{stepAt}:Parallel:Branches has {parallel.Branches.Count}; a parallel step needs two branches or more (one branch is just steps in a row).");
            }

            for (var b = 0; b < parallel.Branches.Count; b++)
            {
                var branchAt = $"{stepAt}:Parallel:Branches:{b}:Steps";
                if (parallel.Branches[b].Steps.Count == 0)
                {
                    fail($"{branchAt} is empty; a branch runs at least one step.");
                }

                for (var s = 0; s < parallel.Branches[b].Steps.Count; s++)
                {
                    var inner = parallel.Branches[b].Steps[s];
                    if (inner.Group is not null || inner.Lane != 0)
                    {
                        fail($"{branchAt}:{s}: Group and Lane are not settings of the flows file (the engine sets them).");
                    }

                    if (string.IsNullOrEmpty(inner.Operation) || inner.Choice is not null || inner.Parallel is not null || inner.Approval is not null
                        || inner.Wait is not null || inner.Callback is not null || !string.IsNullOrWhiteSpace(inner.When))
                    {
                        fail($"{branchAt}:{s}: a step of a parallel branch calls an operation, unconditionally (no When, Choice, Parallel, Approval, Wait or Callback inside).");
                    }
                }
            }
        }
    }

    /// <summary>Conditions parse, choices have branches with steps, and no branch or step is unreachable.</summary>
    private static void ValidateChoices(IReadOnlyList<StepDefinition> steps, string at, Action<string> fail)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var stepAt = $"{at}:{i}";
            if (step.When is { Length: > 0 } when)
            {
                var condition = FlowCondition.Parse(when, out var error);
                if (condition is null)
                {
                    fail($"{stepAt}:When is not a condition: {error}.");
                }
                else if (condition.Constant == false)
                {
                    fail($"{stepAt}:When '{when}' never holds: the step is unreachable.");
                }
            }

            if (step.Choice is not { } choice)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(step.Operation))
            {
                fail($"{stepAt}: an entry is a step (Operation) or a Choice, not both.");
            }

            if (choice.Branches.Count == 0)
            {
                fail($"{stepAt}:Choice:Branches is empty; a choice needs at least one branch.");
            }

            string? alwaysTaken = null;
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var b = 0; b < choice.Branches.Count; b++)
            {
                var branch = choice.Branches[b];
                var branchAt = $"{stepAt}:Choice:Branches:{b}";
                var condition = FlowCondition.Parse(branch.When, out var error);
                if (string.IsNullOrWhiteSpace(branch.When))
                {
                    fail($"{branchAt}:When is required: the condition that takes this branch.");
                }
                else if (condition is null)
                {
                    fail($"{branchAt}:When is not a condition: {error}.");
                }
                else if (alwaysTaken is not null)
                {
                    fail($"{branchAt} is unreachable: branch {alwaysTaken} always holds and is tried first.");
                }
                else if (condition.Constant == false)
                {
                    fail($"{branchAt} is unreachable: '{branch.When}' never holds.");
                }
                else if (seen.TryGetValue(branch.When.Trim(), out var same))
                {
                    fail($"{branchAt} is unreachable: branch {same} has the same condition and is tried first.");
                }

                seen.TryAdd(branch.When.Trim(), b);
                if (condition?.Constant == true)
                {
                    alwaysTaken ??= b.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                if (branch.Steps.Count == 0)
                {
                    fail($"{branchAt}:Steps is empty; a branch runs at least one step (leave the branch out, or use Otherwise).");
                }

                ValidateChoices(branch.Steps, $"{branchAt}:Steps", fail);
            }

            if (alwaysTaken is not null && choice.Otherwise.Count > 0)
            {
                fail($"{stepAt}:Choice:Otherwise is unreachable: branch {alwaysTaken} always holds.");
            }

            ValidateChoices(choice.Otherwise, $"{stepAt}:Choice:Otherwise", fail);
        }
    }
}
