using ApiLed.Sagas;
using ApiLed.Sagas.Flows;
using ApiLed.Sagas.SystemApis;

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

            var names = new HashSet<string>(StringComparer.Ordinal);
            var emitters = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < flow.Steps.Count; i++)
            {
                var step = flow.Steps[i];
                var stepAt = $"{at}:Steps:{i}";
                if (string.IsNullOrWhiteSpace(step.Name))
                {
                    Fail($"{stepAt}:Name is required.");
                }
                else if (!names.Add(step.Name))
                {
                    Fail($"{stepAt}:Name '{step.Name}' is used by an earlier step; step names must be unique.");
                }

                if (!SystemOperations.Known.TryGetValue(step.Operation, out var operation))
                {
                    Fail($"{stepAt}:Operation '{step.Operation}' is unknown; known operations: {string.Join(", ", SystemOperations.Known.Keys)}.");
                }
                else if (operation.CompensatedBy is { } required && step.Compensation != required)
                {
                    Fail(string.IsNullOrEmpty(step.Compensation)
                        ? $"{stepAt}:Compensation is required: '{step.Operation}' changes a system of record and is undone by '{required}'."
                        : $"{stepAt}:Compensation '{step.Compensation}' does not undo '{step.Operation}'; use '{required}'.");
                }

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
        }

        return failures;
    }
}
