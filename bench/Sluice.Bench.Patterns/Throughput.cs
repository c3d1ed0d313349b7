using System.Diagnostics;
using Sluice.Analysis.Patterns;

namespace Sluice.Bench.Patterns;

/// <summary>
/// Lines per second of the miner alone on one thread: the median of several passes, a fresh miner each pass. Rates
/// are per second of the thread's CPU time, as the machine may be shared; the wall-clock rate is given beside.
/// </summary>
internal static class Throughput
{
    public const int WarmUpPasses = 3;

    public static (double Cpu, double Wall) LinesPerSecond(IReadOnlyList<byte[]> lines, int passes)
    {
        // Warm-up: a few passes, so the timed ones run fully optimised code (tiering needs a while, more on a busy machine).
        for (var pass = 0; pass < WarmUpPasses; pass++)
        {
            Mine(lines);
        }
        var cpuRates = new List<double>();
        var wallRates = new List<double>();
        for (var pass = 0; pass < passes; pass++)
        {
            var cpu = ThreadCpuClock.Now();
            var clock = Stopwatch.StartNew();
            Mine(lines);
            var wall = clock.Elapsed;
            var cpuSpent = ThreadCpuClock.Now() - cpu;
            cpuRates.Add(cpuSpent is { } spent ? lines.Count / spent.TotalSeconds : double.NaN);
            wallRates.Add(lines.Count / wall.TotalSeconds);
        }
        cpuRates.Sort();
        wallRates.Sort();
        return (cpuRates[passes / 2], wallRates[passes / 2]);
    }

    /// <summary>Lines per second of the masking step alone, to see how the time splits.</summary>
    public static double MaskedLinesPerSecond(IReadOnlyList<byte[]> lines, int passes)
    {
        var line = new MaskedLine();
        var rates = new List<double>();
        for (var pass = 0; pass < WarmUpPasses; pass++)
        {
            foreach (var bytes in lines)
            {
                VariableMasker.Mask(bytes, line);
            }
        }
        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var bytes in lines)
            {
                VariableMasker.Mask(bytes, line);
            }
            rates.Add(lines.Count / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static void Mine(IReadOnlyList<byte[]> lines)
    {
        var miner = new TemplateMiner(new MinerOptions());
        foreach (var line in lines)
        {
            miner.Add(line);
        }
    }
}
