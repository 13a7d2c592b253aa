using ApiLed.Sagas.Flows;
using ApiLed.Sagas;
using ApiLed.Sagas.SystemApis;
using Microsoft.Extensions.Options;

namespace ApiLed.ProcessApi.Flows;

/// <summary>Checks flow definitions and names the flow and field of every problem.</summary>
public sealed class FlowValidator : IValidateOptions<FlowsOptions>
{
    public ValidateOptionsResult Validate(string? name, FlowsOptions options)
    {
        var failures = new List<string>();
        if (!options.Definitions.ContainsKey(options.OrderFlow))
        {
            failures.Add($"Flows:OrderFlow names '{options.OrderFlow}', which is not among Flows:Definitions ({string.Join(", ", options.Definitions.Keys)}).");
        }

        foreach (var (flowName, flow) in options.Definitions)
        {
            var at = $"Flows:Definitions:{flowName}";
            if (!FlowModes.All.Contains(flow.Mode))
            {
                failures.Add($"{at}:Mode is '{flow.Mode}'; use one of {string.Join(", ", FlowModes.All)}.");
            }
            else if (flow.Mode == FlowModes.Choreography)
            {
                failures.Add($"{at}:Mode 'choreography' is not available in this version; use 'orchestration' or 'hybrid'.");
            }

            if (flow.Steps.Count == 0)
            {
                failures.Add($"{at}:Steps is empty; a flow needs at least one step.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < flow.Steps.Count; i++)
            {
                var step = flow.Steps[i];
                var stepAt = $"{at}:Steps:{i}";
                if (string.IsNullOrWhiteSpace(step.Name))
                {
                    failures.Add($"{stepAt}:Name is required.");
                }
                else if (!seen.Add(step.Name))
                {
                    failures.Add($"{stepAt}:Name '{step.Name}' is used by an earlier step; step names must be unique.");
                }

                if (!SystemOperations.Known.TryGetValue(step.Operation, out var operation))
                {
                    failures.Add($"{stepAt}:Operation '{step.Operation}' is unknown; known operations: {string.Join(", ", SystemOperations.Known.Keys)}.");
                }
                else if (operation.CompensatedBy is { } required && step.Compensation != required)
                {
                    failures.Add(string.IsNullOrEmpty(step.Compensation)
                        ? $"{stepAt}:Compensation is required: '{step.Operation}' changes a system of record and is undone by '{required}'."
                        : $"{stepAt}:Compensation '{step.Compensation}' does not undo '{step.Operation}'; use '{required}'.");
                }

                if (step.Timeout <= TimeSpan.Zero)
                {
                    failures.Add($"{stepAt}:Timeout must be positive.");
                }

                if (step.Retry.MaxAttempts is < 1 or > 20)
                {
                    failures.Add($"{stepAt}:Retry:MaxAttempts must be between 1 and 20.");
                }

                if (step.Retry.BaseDelay < TimeSpan.Zero)
                {
                    failures.Add($"{stepAt}:Retry:BaseDelay cannot be negative.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The flow definitions in force; new sagas take a snapshot of the current one.</summary>
public sealed class FlowCatalog(IOptionsMonitor<FlowsOptions> options)
{
    public (string Name, FlowDefinition Definition) OrderFlow
    {
        get
        {
            var current = options.CurrentValue;
            return (current.OrderFlow, current.Definitions[current.OrderFlow]);
        }
    }

    public IReadOnlyDictionary<string, FlowDefinition> All => options.CurrentValue.Definitions;
}
