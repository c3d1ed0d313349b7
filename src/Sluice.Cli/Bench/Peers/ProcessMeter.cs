using System.Globalization;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// What a server process costs, read from /proc: CPU time (user + system, its threads and reaped children) and
/// peak resident memory (VmHWM), which can be reset between rounds so each round's peak is its own.
/// </summary>
internal sealed class ProcessMeter(int pid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux the project runs on

    public int Pid => pid;

    public TimeSpan Cpu()
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces and parentheses: fields count from the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
            + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    public long PeakResidentBytes() => StatusKb("VmHWM:") * 1024;

    public long ResidentBytes() => StatusKb("VmRSS:") * 1024;

    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs; needs the right to write there).</summary>
    public bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private long StatusKb(string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
