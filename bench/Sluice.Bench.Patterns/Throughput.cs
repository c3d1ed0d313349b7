using System.Diagnostics;
using Sluice.Analysis.Patterns;

namespace Sluice.Bench.Patterns;

/// <summary>Lines per second of the miner alone on one thread: the median of several passes, a fresh miner each pass.</summary>
internal static class Throughput
{
    public static double LinesPerSecond(IReadOnlyList<byte[]> lines, int passes)
    {
        Mine(lines); // warm-up: JIT and tiering
        var rates = new List<double>();
        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            Mine(lines);
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
