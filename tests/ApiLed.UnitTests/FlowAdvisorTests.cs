using ApiLed.ProcessApi.Flows;
using ApiLed.Sagas.Flows;

namespace ApiLed.UnitTests;

/// <summary>The seeds' own examples, through the advisor.</summary>
public sealed class FlowAdvisorTests
{
    [Fact]
    public void Strict_ordering_means_orchestration()
    {
        var advice = FlowAdvisor.Advise(new FlowCharacteristics { StrictOrdering = true, Services = 8, IndependentTeams = true, EventsPerMinute = 5000 });
        Assert.Equal(FlowModes.Orchestration, advice.Recommended);
        Assert.False(advice.Accepts(FlowModes.Choreography));
        Assert.Contains(advice.Reasons, r => r.Contains("strict order"));
    }

    [Fact]
    public void More_than_five_participants_with_independent_teams_means_choreography_or_hybrid()
    {
        var asynchronous = FlowAdvisor.Advise(new FlowCharacteristics { Services = 6, IndependentTeams = true, EventsPerMinute = 2000 });
        Assert.Equal(FlowModes.Choreography, asynchronous.Recommended);
        Assert.True(asynchronous.Accepts(FlowModes.Hybrid));
        Assert.False(asynchronous.Accepts(FlowModes.Orchestration));

        var answered = FlowAdvisor.Advise(new FlowCharacteristics { Services = 6, IndependentTeams = true, CallerNeedsGuaranteedAnswer = true });
        Assert.Equal(FlowModes.Hybrid, answered.Recommended);
    }

    [Fact]
    public void A_guaranteed_answer_from_few_services_means_orchestration_and_a_hybrid_core_agrees()
    {
        var advice = FlowAdvisor.Advise(new FlowCharacteristics { CallerNeedsGuaranteedAnswer = true, Services = 3 });
        Assert.Equal(FlowModes.Orchestration, advice.Recommended);
        Assert.True(advice.Accepts(FlowModes.Hybrid));
        Assert.False(advice.Accepts(FlowModes.Choreography));
    }

    [Fact]
    public void Human_approval_means_orchestration() =>
        Assert.Equal(FlowModes.Orchestration, FlowAdvisor.Advise(new FlowCharacteristics { HumanApproval = true, IndependentTeams = true }).Recommended);

    [Fact]
    public void High_throughput_with_one_team_means_choreography() =>
        Assert.Equal(FlowModes.Choreography, FlowAdvisor.Advise(new FlowCharacteristics { Services = 3, EventsPerMinute = 5000 }).Recommended);

    [Fact]
    public void One_team_at_moderate_throughput_can_use_any_mode()
    {
        var advice = FlowAdvisor.Advise(new FlowCharacteristics { Services = 3, EventsPerMinute = 100 });
        Assert.Equal(FlowModes.Orchestration, advice.Recommended);
        Assert.Equal(FlowModes.All.Count, advice.Acceptable.Count);
    }
}
