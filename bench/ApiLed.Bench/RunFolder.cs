namespace ApiLed.Bench;

/// <summary>
/// The folder of one run's layer under <c>{temp}/apiled-bench</c>. Made with the usual permissions (not the owner-only
/// ones of <see cref="Directory.CreateTempSubdirectory"/>): the RabbitMQ node runs as its own user and must enter it.
/// A run that succeeded leaves nothing behind (its broker's files, stores and logs reach hundreds of MB) unless
/// <c>--keep-data</c>; a run that failed keeps its folder for its logs.
/// </summary>
public static class RunFolder
{
    public static async Task<T> UseAsync<T>(string name, bool keep, Action<string> say, Func<string, Task<T>> run)
    {
        var folder = Create(name);
        T result;
        try
        {
            result = await run(folder);
        }
        catch
        {
            say($"  the run's folder is kept for its logs: {folder}");
            throw;
        }

        if (keep)
        {
            say($"  the run's folder is kept (--keep-data): {folder}");
            return result;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            say($"  could not delete the run's folder {folder}: {ex.Message}");
        }

        return result;
    }

    public static string Create(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "apiled-bench", $"{DateTime.Now:yyyyMMdd-HHmmss}-{name}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
