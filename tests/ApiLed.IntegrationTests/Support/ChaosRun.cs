namespace ApiLed.IntegrationTests.Support;

/// <summary>One finished run of the chaos tool: what it was asked for, where it wrote, and what it printed.</summary>
internal sealed record ChaosRun(string Name, bool Approvals, string Folder, string ReportPath, int ExitCode, string Log);
