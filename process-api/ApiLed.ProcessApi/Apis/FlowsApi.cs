using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ProcessApi.Apis;

/// <summary>A configured flow with the advisor's view of it.</summary>
public sealed record FlowView(string Name, string Mode, bool RunsNewOrders, IReadOnlyList<StepDefinition> Steps,
    FlowCharacteristics Characteristics, FlowAdviceView Advice);

public sealed record FlowAdviceView(string Recommended, IReadOnlyList<string> Acceptable, bool AgreesWithMode, string? Warning,
    IReadOnlyList<string> Reasons);

public sealed record FlowsView(string OrderFlow, string Source, FlowReload LastReload, IReadOnlyDictionary<string, SystemDefinition> Systems,
    IReadOnlyList<FlowView> Flows);

public static class FlowsApi
{
    public static IEndpointRouteBuilder MapFlowsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/flows").WithTags("Flows");

        api.MapGet("/", (FlowCatalog catalog) => TypedResults.Ok(View(catalog)))
            .WithSummary("Lists the systems and their operations, each flow, its mode and steps, and the decision advisor's view (a contradiction is a warning, not a refusal).");

        api.MapPost("/reload", (FlowCatalog catalog) =>
            {
                var reload = catalog.Reload();
                return reload.Applied
                    ? Results.Ok(View(catalog))
                    : Problems.Of(StatusCodes.Status422UnprocessableEntity, "invalid-flow-configuration",
                        "The flow configuration is invalid; the flows in force keep running.", string.Join(Environment.NewLine, reload.Errors),
                        new Dictionary<string, object?> { ["errors"] = reload.Errors });
            })
            .WithSummary("Reads the flow configuration again (the flows file is also watched). Valid: applies to new orders. Invalid: 422 with every problem, nothing changes.")
            .Produces<FlowsView>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return app;
    }

    private static FlowsView View(FlowCatalog catalog)
    {
        var flows = catalog.Current;
        return new FlowsView(flows.OrderFlow, catalog.Source, catalog.LastReload, flows.Systems,
        [
            .. flows.Definitions.Select(f =>
            {
                var advice = FlowAdvisor.Advise(f.Value.Characteristics);
                var agrees = advice.Accepts(f.Value.Mode);
                return new FlowView(f.Key, f.Value.Mode, f.Key == flows.OrderFlow, f.Value.Steps, f.Value.Characteristics,
                    new FlowAdviceView(advice.Recommended, advice.Acceptable, agrees,
                        agrees ? null : $"The flow runs in {f.Value.Mode} mode, but the advisor recommends {advice.Recommended}.", advice.Reasons));
            }),
        ]);
    }
}
