namespace ApiLed.Bench;

/// <summary>
/// The folder of one run's layer under <c>{temp}/apiled-bench</c>. Made with the usual permissions (not the owner-only
/// ones of <see cref="Directory.CreateTempSubdirectory"/>): the RabbitMQ node runs as its own user and must enter it.
/// </summary>
public static class RunFolder
{
    public static string Create(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "apiled-bench", $"{DateTime.Now:yyyyMMdd-HHmmss}-{name}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
