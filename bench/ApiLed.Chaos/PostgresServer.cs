using ApiLed.LayerRunner;

namespace ApiLed.Chaos;

/// <summary>The local PostgreSQL server platform/scripts/postgres.sh runs, restarted for the <c>postgres-restart</c> fault.</summary>
internal static class PostgresServer
{
    /// <summary><c>pg_ctl restart -m fast</c> as the server's owner: every connection drops, the server is back within seconds.</summary>
    public static async Task<string> RestartAsync(string dataFolder, CancellationToken ct)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin", "pg_ctl")).LastOrDefault(File.Exists)
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("pg_ctl was not found under /usr/lib/postgresql: postgres-restart needs the local server.");
        }

        // -l: the restarted server logs to its file, not to this tool's pipe (which it would otherwise hold open).
        string[] restart = [bin, "-D", dataFolder, "-l", Path.Combine(dataFolder, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"];
        var (file, arguments) = Environment.UserName == "root" ? ("runuser", (string[])["-u", "postgres", "--", .. restart]) : (restart[0], restart[1..]);
        var (code, output) = await ExternalCommand.RunAsync(file, arguments, null, TimeSpan.FromSeconds(90), ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"pg_ctl restart of {dataFolder} failed: {output}");
        }

        return $"pg_ctl restart -m fast ({dataFolder})";
    }
}
