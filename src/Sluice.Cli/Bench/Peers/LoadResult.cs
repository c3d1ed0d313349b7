namespace Sluice.Cli.Bench.Peers;

/// <summary>One system's figures for loading the file once: until acknowledged, and until its storage settled.</summary>
internal sealed record LoadResult(long Events, double AckSeconds, double SettledSeconds, TimeSpan Cpu, long PeakRssBytes, long DiskBytes)
{
    public double AckRate => Events / AckSeconds;

    public double SettledRate => Events / SettledSeconds;

    public double CpuSecondsPerMillion => Cpu.TotalSeconds / Events * 1e6;

    public double BytesPerEvent => (double)DiskBytes / Events;
}
