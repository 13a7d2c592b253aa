using System.ComponentModel.DataAnnotations;
using ApiLed.ServiceDefaults.Hosting;

namespace ApiLed.ExperienceApi.Cancellations;

/// <summary>Where the process API is (section <c>ProcessApi</c>): a partner's cancel is decided there, where the order's saga is.</summary>
public sealed record ProcessApiOptions
{
    public const string Section = "ProcessApi";

    [Required]
    [HttpAddress]
    public Uri? BaseUrl { get; init; }

    /// <summary>More process API instances besides <see cref="BaseUrl"/> (<c>ProcessApi__Replicas__0</c>, ...): calls are spread over all of them.</summary>
    [HttpAddress]
    public Uri[] Replicas { get; init; } = [];
}
