using System.Text;
using Sluice.Analysis.Patterns;

namespace Sluice.Bench.Patterns;

/// <summary>Mines one set with a fresh miner and scores each message by the pattern it finally belongs to.</summary>
internal static class SetEvaluation
{
    public static SetResult Run(LabelledSet set, double drainGrouping, TextWriter? mistakes)
    {
        var miner = new TemplateMiner(new MinerOptions());
        var joined = set.Lines.Select(line => miner.Add(Encoding.UTF8.GetBytes(line.Content))).ToList();
        // A message belongs to the pattern its first one was merged into, with the template it has at the end.
        var final = joined.Select(p => p.Current).ToList();
        var truth = set.Lines.Select(l => l.EventId).ToList();
        var grouping = Accuracy.Grouping(truth, final.Select(p => p.Id).ToList());
        var parsing = Accuracy.Parsing(set.Lines.Select(l => l.EventTemplate).ToList(), final.Select(p => p.Template).ToList());
        if (mistakes is not null)
        {
            WriteMistakes(set, final, mistakes);
        }
        return new SetResult(set.Name, set.Lines.Count, grouping, parsing, final.Select(p => p.Id).Distinct().Count(),
            truth.Distinct().Count(), drainGrouping);
    }

    /// <summary>For tuning: each true event split over several patterns, or pattern mixing several events.</summary>
    private static void WriteMistakes(LabelledSet set, List<MinedPattern> final, TextWriter writer)
    {
        writer.WriteLine($"=== {set.Name}");
        var byPattern = Enumerable.Range(0, final.Count).GroupBy(i => final[i].Id);
        foreach (var group in byPattern)
        {
            var events = group.Select(i => set.Lines[i].EventTemplate).Distinct().ToList();
            if (events.Count > 1)
            {
                writer.WriteLine($"MIXED {group.Count()} {final[group.First()].Template}");
                foreach (var e in events.Take(6))
                {
                    writer.WriteLine($"    {e}");
                }
            }
        }
        var byEvent = Enumerable.Range(0, final.Count).GroupBy(i => set.Lines[i].EventId);
        foreach (var group in byEvent)
        {
            var patterns = group.Select(i => final[i]).Distinct().ToList();
            if (patterns.Count > 1)
            {
                writer.WriteLine($"SPLIT {group.Count()} {set.Lines[group.First()].EventTemplate}");
                foreach (var p in patterns.Take(6))
                {
                    writer.WriteLine($"    {p.Template}");
                }
            }
        }
    }
}
