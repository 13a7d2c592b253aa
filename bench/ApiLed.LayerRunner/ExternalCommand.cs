using System.Diagnostics;

namespace ApiLed.LayerRunner;

/// <summary>Runs a short command (rabbitmqctl, chown, dotnet build) to its end, bounded in time.</summary>
public static class ExternalCommand
{
    /// <summary>The exit code and the output (stdout, then stderr); a command still running after <paramref name="timeout"/> is killed and throws.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout,
        CancellationToken ct, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }

            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        // A child the command left running (a server it started) may hold the output open: read what is there, briefly.
        var output = Task.WhenAll(stdout, stderr);
        if (await Task.WhenAny(output, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)) != output)
        {
            return (process.ExitCode, "(its output stayed open: a process it started holds it)");
        }

        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit code throws with the output.</summary>
    public static async Task<string> RunCheckedAsync(
        string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken ct)
    {
        var (code, output) = await RunAsync(fileName, arguments, environment, timeout, ct);
        return code == 0
            ? output
            : throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} failed ({code}): {output}");
    }

    /// <summary>The full path of a program on PATH (or in /usr/sbin, /sbin, where Debian puts rabbitmqctl), or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"])
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists);
}
