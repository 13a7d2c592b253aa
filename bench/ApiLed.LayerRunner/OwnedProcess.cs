using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace ApiLed.LayerRunner;

/// <summary>
/// A process this tool started (a service, WireMock): its output goes to a log file, it is ready when
/// <c>GET {ReadyUrl}</c> answers 200, and it is only ever signalled through its own PID.
/// </summary>
public sealed class OwnedProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _workingDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Lock _gate = new();
    private StreamWriter? _log;
    private Process? _process;

    public OwnedProcess(string name, string fileName, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, string readyUrl, string logDirectory)
    {
        Name = name;
        _fileName = fileName;
        _arguments = arguments;
        _workingDirectory = workingDirectory;
        _environment = environment;
        ReadyUrl = readyUrl;
        LogPath = Path.Combine(logDirectory, name + ".log");
    }

    public string Name { get; }

    public string ReadyUrl { get; }

    public string LogPath { get; }

    /// <summary>The PID of the current run (null before the first start).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>Starts the process (not waiting for it to be ready).</summary>
    public void Start()
    {
        var info = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        lock (_gate)
        {
            _log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        _process?.Dispose();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Write($"==== {DateTimeOffset.Now:O} started {_fileName} (pid {process.Id})");
    }

    /// <summary>Waits until <see cref="ReadyUrl"/> answers 200; throws when the process exits first or the time is up.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException($"{Name} exited before it was ready (see {LogPath}).");
            }

            try
            {
                using var response = await Probe.GetAsync(ReadyUrl, ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = e.Message;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s ({ReadyUrl}: {last}; see {LogPath}).");
            }

            await Task.Delay(250, ct);
        }
    }

    /// <summary>SIGKILL, as in a crash, and wait (bounded) until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Write($"==== {DateTimeOffset.Now:O} killed by the chaos tool (SIGKILL pid {process.Id})");
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited meanwhile
            }

            await WaitExitAsync(process, TimeSpan.FromSeconds(15));
        }
    }

    /// <summary>SIGTERM (a graceful stop), then SIGKILL when it is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is { HasExited: false } process)
        {
            _ = SysKill(process.Id, 15);
            if (!await WaitExitAsync(process, grace))
            {
                await KillAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        lock (_gate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private static async Task<bool> WaitExitAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return process.HasExited;
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            try
            {
                _log?.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // the log is a convenience
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
