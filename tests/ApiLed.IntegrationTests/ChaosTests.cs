using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ApiLed.IntegrationTests.Infrastructure;
using ApiLed.IntegrationTests.Support;
using ApiLed.LayerRunner;
using Xunit.Abstractions;

namespace ApiLed.IntegrationTests;

/// <summary>
/// The short chaos run of <c>bench/ApiLed.Chaos</c> in each mode: 300 orders of the mix, each fault once (process API
/// killed, billing killed, broker app stopped, inventory killed with its participant, broker node restarted, WireMock
/// faults in front of billing), then the invariants checked against the system APIs' own records. The tool starts its
/// own layer and RabbitMQ node, so these tests do not touch the suite's broker. A run spends most of its two minutes
/// waiting out its faults (a quarter of the machine's CPU), so two runs go at once, each given its own range of ports
/// below the system's ephemeral ones (<c>--ports</c>) so that they can never be handed the same port.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(9);

    [Theory]
    [InlineData("orchestration", false, "hybrid", false)]
    [InlineData("choreography", false, "choreography", true)] // with true: the default flow's approval step; the tool approves, rejects, or leaves to the deadline
    public async Task Two_short_chaos_runs_at_once_keep_every_invariant(string mode, bool approvals, string otherMode, bool otherApprovals)
    {
        var runs = await Task.WhenAll(
            RunAsync(mode, approvals, new PortRange(21000, 21499)),
            RunAsync(otherMode, otherApprovals, new PortRange(21500, 21999)));
        foreach (var run in runs)
        {
            output.WriteLine($"===== {run.Name} (exit code {run.ExitCode}) =====");
            output.WriteLine(run.Log);
        }

        foreach (var run in runs)
        {
            AssertEveryInvariantHeld(run);
        }

        foreach (var run in runs)
        {
            try
            {
                Directory.Delete(run.Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<ChaosRun> RunAsync(string mode, bool approvals, PortRange ports)
    {
        var name = approvals ? $"{mode} with approvals" : mode;
        var folder = Path.Combine(Path.GetTempPath(), "apiled-tests", $"chaos-{mode}-{Guid.NewGuid():N}"[..32]);
        var reportPath = Path.Combine(folder, "report.json");
        var (exitCode, log) = await RunChaosAsync(
            ["--mode", mode, "--orders", "300", "--faults", "once", "--seed", "7", "--settle-timeout", "90", "--no-build",
             "--ports", ports.ToString(), "--data-dir", Path.Combine(folder, "layer"), "--report", reportPath,
             .. approvals ? new[] { "--approvals", "--approval-deadline", "20" } : []]);
        return new ChaosRun(name, approvals, folder, reportPath, exitCode, log);
    }

    private static void AssertEveryInvariantHeld(ChaosRun run)
    {
        Assert.True(File.Exists(run.ReportPath), $"The {run.Name} chaos run wrote no report (exit code {run.ExitCode}):{Environment.NewLine}{run.Log}");
        using var report = JsonDocument.Parse(File.ReadAllText(run.ReportPath));
        var violations = report.RootElement.GetProperty("violations").EnumerateArray()
            .Select(v => $"{v.GetProperty("invariant").GetString()}: {v.GetProperty("orderId").GetString() ?? "(run)"}: {v.GetProperty("detail").GetString()}")
            .ToList();
        Assert.True(violations.Count == 0, $"{violations.Count} violations in {run.Name}:{Environment.NewLine}{string.Join(Environment.NewLine, violations.Take(40))}{Environment.NewLine}{run.Log}");
        Assert.True(report.RootElement.GetProperty("accepted").GetInt32() == 300, $"{run.Name}: {report.RootElement.GetProperty("accepted").GetInt32()} of 300 orders accepted");
        Assert.True(report.RootElement.GetProperty("unsettled").GetInt32() == 0, $"{run.Name}: {report.RootElement.GetProperty("unsettled").GetInt32()} orders unsettled");
        if (run.Approvals)
        {
            // Some approvals were taken by the tool's operator, and large orders both completed (approved) and failed (rejected).
            string Figure(string name) => report.RootElement.GetProperty("figures").EnumerateArray()
                .Single(f => f.GetProperty("figure").GetString() == name).GetProperty("value").GetString()!;
            Assert.NotEqual("0", Figure("approval decisions taken (200) / too late (409)").Split(" / ")[0]);
            Assert.NotEqual("0", Figure("large, approved by the operator: completed / failed").Split(" / ")[0]);
            Assert.NotEqual("0", Figure("large, rejected by the operator: completed / failed").Split(" / ")[1]);
        }

        Assert.All(report.RootElement.GetProperty("faults").EnumerateArray(), f => Assert.True(
            f.GetProperty("error").ValueKind == JsonValueKind.Null, $"{run.Name}: fault {f.GetProperty("name").GetString()} failed: {f.GetProperty("error")}"));
        Assert.True(run.ExitCode == 0, $"the {run.Name} chaos run exited with {run.ExitCode}");
    }

    /// <summary>Runs the built chaos tool; on the time limit it is asked to stop (SIGTERM, so it stops its layer and broker node), then killed.</summary>
    private static async Task<(int ExitCode, string Log)> RunChaosAsync(IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        info.ArgumentList.Add(RepoPaths.ServiceDll("ApiLed.Chaos"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine("[stderr] " + e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (var limit = new CancellationTokenSource(RunLimit))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _ = SysKill(process.Id, 15);
                using var grace = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }

                lock (log)
                {
                    log.AppendLine($"[test] the chaos run did not finish within {RunLimit.TotalMinutes:0} min and was stopped");
                }
            }
        }

        await process.WaitForExitAsync();
        lock (log)
        {
            return (process.ExitCode, log.ToString());
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
