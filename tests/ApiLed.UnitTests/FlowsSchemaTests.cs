using System.Reflection;
using System.Text.Json.Nodes;
using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;
using ApiLed.ServiceDefaults.Resilience;

namespace ApiLed.UnitTests;

/// <summary>
/// The JSON Schema editors use for the flows file (process-api/ApiLed.ProcessApi/flows.schema.json) names exactly the
/// settings the process API binds, so an editor neither flags a real setting nor lets a misspelt one through.
/// </summary>
public sealed class FlowsSchemaTests
{
    private static readonly JsonNode Schema =
        JsonNode.Parse(File.ReadAllText(Path.Combine(ShippedFlows.RepoRoot(), "process-api", "ApiLed.ProcessApi", "flows.schema.json")))!;

    private static IEnumerable<string> SettingsOf(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null)
        .Select(p => p.Name)
        .Order(StringComparer.Ordinal);

    private static IEnumerable<string> PropertiesAt(params string[] path)
    {
        JsonNode node = Schema;
        foreach (var segment in path)
        {
            node = node[segment]!;
        }

        return node["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "$schema").Order(StringComparer.Ordinal);
    }

    public static TheoryData<string, Type> Definitions => new()
    {
        { "system", typeof(SystemDefinition) },
        { "operation", typeof(OperationDefinition) },
        { "resilience", typeof(HttpResilienceOptions) },
        { "step", typeof(StepDefinition) },
        { "choice", typeof(ChoiceDefinition) },
        { "wait", typeof(WaitDefinition) },
        { "approval", typeof(ApprovalDefinition) },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public void Each_schema_definition_names_the_settings_of_its_type(string definition, Type type)
    {
        var expected = SettingsOf(type).ToList();
        if (type == typeof(StepDefinition))
        {
            expected.Remove(nameof(StepDefinition.Choice)); // a choice is its own kind of entry (definitions/entry)
            expected.Remove(nameof(StepDefinition.Parallel)); // so is a parallel step
            expected.Remove(nameof(StepDefinition.Group)); // set by the engine in a saga's definition, not in the file
            expected.Remove(nameof(StepDefinition.Lane));
        }

        Assert.Equal(expected, PropertiesAt("definitions", definition));
    }

    [Fact]
    public void The_top_level_and_flow_definitions_name_the_settings_of_their_types()
    {
        Assert.Equal(SettingsOf(typeof(FlowsOptions)), PropertiesAt("properties", "Flows"));
        Assert.Equal(SettingsOf(typeof(ConfiguredFlow)), PropertiesAt("definitions", "flow"));
        Assert.Equal(SettingsOf(typeof(AnswerClassification)), PropertiesAt("definitions", "operation", "properties", "Outcomes"));
        Assert.Equal(SettingsOf(typeof(RetryDefinition)), PropertiesAt("definitions", "step", "properties", "Retry"));
        Assert.Equal(SettingsOf(typeof(StepEvents)), PropertiesAt("definitions", "step", "properties", "Events"));
        Assert.Equal(SettingsOf(typeof(FlowCharacteristics)), PropertiesAt("definitions", "flow", "properties", "Characteristics"));
        Assert.Equal(SettingsOf(typeof(ChoiceBranch)), PropertiesAt("definitions", "choice", "properties", "Branches", "items"));
        Assert.Equal(SettingsOf(typeof(ParallelDefinition)), PropertiesAt("definitions", "parallel"));
        Assert.Equal(SettingsOf(typeof(ParallelBranch)), PropertiesAt("definitions", "parallel", "properties", "Branches", "items"));
    }

    [Fact]
    public void The_shipped_flows_file_names_the_schema() =>
        Assert.Equal("./flows.schema.json", JsonNode.Parse(File.ReadAllText(ShippedFlows.File))!["$schema"]!.GetValue<string>());
}
