using System.Reflection;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>Where the repository, its build configuration and the built service DLLs are.</summary>
public static class RepoPaths
{
    /// <summary>DLL names of the services of the layer.</summary>
    public static class Services
    {
        public const string Gateway = "ApiLed.Gateway";
        public const string ExperienceApi = "ApiLed.ExperienceApi";
        public const string ProcessApi = "ApiLed.ProcessApi";
        public const string InventoryApi = "ApiLed.Inventory.Api";
        public const string BillingApi = "ApiLed.Billing.Api";
        public const string ShippingApi = "ApiLed.Shipping.Api";
        public const string RiskApi = "ApiLed.Risk.Api";
    }

    private static readonly Dictionary<string, string> ProjectFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        [Services.Gateway] = "gateway/ApiLed.Gateway",
        [Services.ExperienceApi] = "experience-api/ApiLed.ExperienceApi",
        [Services.ProcessApi] = "process-api/ApiLed.ProcessApi",
        [Services.InventoryApi] = "system-apis/inventory/ApiLed.Inventory.Api",
        [Services.BillingApi] = "system-apis/billing/ApiLed.Billing.Api",
        [Services.ShippingApi] = "system-apis/shipping/ApiLed.Shipping.Api",
        [Services.RiskApi] = "system-apis/risk/ApiLed.Risk.Api",
    };

    private static readonly Lazy<string> RootLazy = new(FindRoot);
    private static readonly Lazy<string> ConfigurationLazy = new(FindConfiguration);

    /// <summary>The repository root: the nearest folder above the test assembly that holds <c>ApiLed.sln</c>.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>The build configuration of the running test assembly (<c>Release</c> or <c>Debug</c>).</summary>
    public static string Configuration => ConfigurationLazy.Value;

    /// <summary>The target framework folder the services are built into.</summary>
    public const string TargetFramework = "net10.0";

    /// <summary>
    /// Path of a service's built DLL for the test assembly's configuration, e.g.
    /// <c>ServiceDll("ApiLed.Gateway")</c> → <c>&lt;root&gt;/gateway/ApiLed.Gateway/bin/Release/net10.0/ApiLed.Gateway.dll</c>.
    /// Throws <see cref="FileNotFoundException"/> when it has not been built.
    /// </summary>
    public static string ServiceDll(string dllName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dllName);
        var name = dllName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? dllName[..^4] : dllName;
        string? path = null;
        if (ProjectFolders.TryGetValue(name, out var folder))
        {
            path = Path.Combine(Root, folder, "bin", Configuration, TargetFramework, name + ".dll");
        }
        else
        {
            // Any other project of the repository: <root>/**/<name>/bin/<Config>/<tfm>/<name>.dll
            path = Directory.EnumerateDirectories(Root, name, SearchOption.AllDirectories)
                .Where(d => !d.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(d => Path.Combine(d, "bin", Configuration, TargetFramework, name + ".dll"))
                .FirstOrDefault(File.Exists);
        }

        if (path is null || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The service DLL {name}.dll was not found{(path is null ? "" : $" at {path}")}. " +
                $"Build the solution first: dotnet build ApiLed.sln -c {Configuration}", path ?? name + ".dll");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ApiLed.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder holding ApiLed.sln was found above {AppContext.BaseDirectory}.");
    }

    private static string FindConfiguration()
    {
        // .../bin/<Config>/<tfm>/ — take the segment after the last "bin".
        var segments = AppContext.BaseDirectory.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        if (bin >= 0 && bin + 1 < segments.Length)
        {
            return segments[bin + 1];
        }

        return typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c
            ? c
            : "Release";
    }
}
