using System.Globalization;

namespace ApiLed.Bench;

/// <summary>CPU time and resident memory of a process, read from <c>/proc</c> (Linux).</summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux the layer runs on

    /// <summary>User + system CPU time the process has used so far; null when it is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) "
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Resident set size in bytes; null when the process is gone.</summary>
    public static long? ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Busy and total (busy and idle) CPU time of the whole machine, all its cores, every process, from <c>/proc/stat</c>.
    /// </summary>
    public static (TimeSpan Busy, TimeSpan Total) MachineTimes()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // user nice system idle iowait irq softirq steal guest guest_nice: busy = all but idle and iowait (guest is inside user)
        var values = cpu.Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7];
        return (TimeSpan.FromSeconds(busy / TicksPerSecond), TimeSpan.FromSeconds((busy + values[3] + values[4]) / TicksPerSecond));
    }
}
