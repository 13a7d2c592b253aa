using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace ApiLed.IntegrationTests.Infrastructure;

/// <summary>
/// One service of the layer run as its own OS process (<c>dotnet &lt;dll&gt;</c>) on 127.0.0.1. Its output goes to an
/// in-memory ring of the last lines (for assertion messages) and to a log file. It only ever stops or kills the
/// process it started itself, through its own <see cref="Process"/> object.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>Lines kept in memory from the service's stdout and stderr.</summary>
    public const int RingCapacity = 400;

    /// <summary>Default time <see cref="WaitReadyAsync"/> waits.</summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(3),
    };

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _workingDirectory;
    private readonly Dictionary<string, string?> _environment;
    private readonly Queue<string> _ring = new();
    private readonly Lock _gate = new();
    private StreamWriter? _log;
    private Process? _process;
    private int _starts;

    /// <summary>
    /// A service started with <c>dotnet &lt;dllPath&gt;</c> listening on <c>http://127.0.0.1:{port}</c>.
    /// <paramref name="environment"/> is added to (and overrides) the test process's environment, on top of
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_ENVIRONMENT=Production</c> and <c>DOTNET_NOLOGO=1</c>; a null value removes
    /// a variable. The log file is <c>&lt;logDirectory&gt;/&lt;name&gt;.log</c>.
    /// </summary>
    public ServiceProcess(string name, string dllPath, int port, IReadOnlyDictionary<string, string?> environment, string logDirectory)
        : this(name, DotnetHost(), [dllPath], port, environment, logDirectory, Path.GetDirectoryName(Path.GetFullPath(dllPath))!, "/health/ready")
    {
    }

    private ServiceProcess(
        string name,
        string fileName,
        IReadOnlyList<string> arguments,
        int port,
        IReadOnlyDictionary<string, string?> environment,
        string logDirectory,
        string workingDirectory,
        string readyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Port = port;
        ReadyPath = readyPath;
        _fileName = fileName;
        _arguments = arguments;
        _workingDirectory = workingDirectory;
        Directory.CreateDirectory(logDirectory);
        LogPath = Path.Combine(logDirectory, name + ".log");
        _environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = BaseUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in environment)
        {
            _environment[key] = value;
        }
    }

    /// <summary>
    /// Any other program run the same way (for tools or fakes that are not .NET services): <paramref name="fileName"/>
    /// with <paramref name="arguments"/>, ready when <c>GET {readyPath}</c> answers 200.
    /// </summary>
    public static ServiceProcess ForCommand(
        string name,
        string fileName,
        IReadOnlyList<string> arguments,
        int port,
        IReadOnlyDictionary<string, string?> environment,
        string logDirectory,
        string readyPath = "/health/ready",
        string? workingDirectory = null) =>
        new(name, fileName, arguments, port, environment, logDirectory, workingDirectory ?? Directory.GetCurrentDirectory(), readyPath);

    /// <summary>Short name used in messages and for the log file.</summary>
    public string Name { get; }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{Port}</c> (no trailing slash).</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Path polled by <see cref="WaitReadyAsync"/>.</summary>
    public string ReadyPath { get; }

    /// <summary>The log file (appended across restarts).</summary>
    public string LogPath { get; }

    /// <summary>The variables set for the process on top of the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;

    /// <summary>OS process id of the current run, or null when it was never started.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True while the process of the current run is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Exit code of the last run when it has exited, else null.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The captured output lines (at most <see cref="RingCapacity"/>, oldest first).</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _ring];
            }
        }
    }

    /// <summary>The last <paramref name="lines"/> output lines as one string, for assertion messages.</summary>
    public string LogTail(int lines = 100)
    {
        var all = OutputLines;
        var tail = all.Skip(Math.Max(0, all.Count - lines));
        return $"--- last output of {Name} ({LogPath}) ---{System.Environment.NewLine}{string.Join(System.Environment.NewLine, tail)}";
    }

    /// <summary>An <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is <see cref="BaseUrl"/>; the caller disposes it.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(BaseUrl + "/"),
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };

    /// <summary>Starts the process (not waiting for readiness). Throws when it is already running.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running (pid {_process!.Id}).");
        }

        _process?.Dispose();
        lock (_gate)
        {
            _log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
            _starts++;
            AppendLocked($"==== {DateTimeOffset.Now:O} start #{_starts}: {_fileName} {string.Join(' ', _arguments)} on {BaseUrl}");
        }

        var info = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            CreateNoWindow = true,
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
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Append(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Append("[stderr] " + e.Data); } };
        if (!process.Start())
        {
            throw new InvalidOperationException($"{Name}: {_fileName} did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Starts the process and waits until it is ready.</summary>
    public async Task StartAsync(TimeSpan? readyTimeout = null, CancellationToken cancellationToken = default)
    {
        Start();
        await WaitReadyAsync(readyTimeout, cancellationToken);
    }

    /// <summary>
    /// Polls <c>GET {ReadyPath}</c> until it answers 200. Throws (with the tail of the output) when the process exits
    /// first or the timeout (default 60 s) passes.
    /// </summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultReadyTimeout;
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        var url = BaseUrl + ReadyPath;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var process = _process ?? throw new InvalidOperationException($"{Name} was not started.");
            if (process.HasExited)
            {
                await WaitForOutputAsync(process);
                throw new InvalidOperationException(
                    $"{Name} exited with code {process.ExitCode} before {url} answered 200.{System.Environment.NewLine}{LogTail()}");
            }

            try
            {
                using var response = await Probe.GetAsync(url, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "the request timed out";
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException(
                    $"{Name} was not ready within {limit.TotalSeconds:0} s: {url} gave {last}.{System.Environment.NewLine}{LogTail()}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Kills the process and everything it started (SIGKILL) and waits for it to be gone. No-op when not running.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }

        await WaitForOutputAsync(process);
        Append($"==== {DateTimeOffset.Now:O} stopped (exit code {SafeExitCode(process)})");
    }

    /// <summary>
    /// Asks the process to shut down (SIGTERM, so ASP.NET runs its graceful shutdown) and waits up to
    /// <paramref name="timeout"/> (default 15 s); kills it if it is still running then.
    /// </summary>
    public async Task StopGracefullyAsync(TimeSpan? timeout = null)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            if (!process.HasExited)
            {
                _ = SysKill(process.Id, 15);
            }

            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Append($"==== {DateTimeOffset.Now:O} did not stop after SIGTERM: killing it");
            }
        }

        await StopAsync();
    }

    /// <summary>Kills the process at once (SIGKILL, as in a crash) without waiting. No-op when not running.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is { HasExited: false })
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }

            Append($"==== {DateTimeOffset.Now:O} killed by the test");
        }
    }

    /// <summary>Stops the process if it runs, starts it again with the same environment and port, and waits until it is ready.</summary>
    public async Task RestartAsync(TimeSpan? readyTimeout = null, CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(readyTimeout, cancellationToken);
    }

    /// <summary>Stops the process and closes the log file.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _process = null;
        lock (_gate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} at {BaseUrl} (pid {ProcessId?.ToString() ?? "-"})";

    private static async Task WaitForOutputAsync(Process process)
    {
        // WaitForExitAsync also waits for the redirected streams to reach their end.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // a grandchild may still hold the pipes; the process itself is gone or will be
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.HasExited ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void Append(string line)
    {
        lock (_gate)
        {
            AppendLocked(line);
        }
    }

    private void AppendLocked(string line)
    {
        _ring.Enqueue(line);
        while (_ring.Count > RingCapacity)
        {
            _ring.Dequeue();
        }

        try
        {
            _log?.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
            // output that arrives after dispose
        }
        catch (IOException)
        {
            // the log file is a convenience; never fail a test over it
        }
    }

    private static string DotnetHost()
    {
        // The dotnet CLI sets DOTNET_HOST_PATH for the processes it runs (test hosts included).
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
