using System.Globalization;
using System.Text;

namespace Sluice.Bench.Patterns;

/// <summary>The report: one row per set, the means, and the throughput line.</summary>
internal static class ResultTable
{
    public static string Markdown(IReadOnlyList<SetResult> results, (double Cpu, double Wall) rate, double maskRate, int lines, int passes)
    {
        var text = new StringBuilder();
        text.AppendLine("| Set | Lines | GA | PA | Drain GA | Patterns | True events |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Lines} | {r.Grouping:0.000} | {r.Parsing:0.000} | {r.DrainGrouping:0.000} | {r.Patterns} | {r.TruePatterns} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **Mean** | {results.Sum(r => r.Lines)} | **{results.Average(r => r.Grouping):0.000}** | **{results.Average(r => r.Parsing):0.000}** | {results.Average(r => r.DrainGrouping):0.000} | | |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Throughput: {rate.Cpu:N0} lines per second of the mining thread's CPU time ({rate.Wall:N0} lines/s wall clock); median of {passes} passes over all {lines} lines, fresh miner each pass, after {Throughput.WarmUpPasses} warm-up passes. Masking alone: {maskRate:N0} lines/s.");
        return text.ToString();
    }
}
