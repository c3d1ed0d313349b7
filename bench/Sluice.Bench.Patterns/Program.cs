using System.Globalization;
using System.Text;
using Sluice.Bench.Patterns;

// Usage: Sluice.Bench.Patterns --loghub DIR [--markdown FILE] [--mistakes FILE] [--passes N]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i]] = args[i + 1];
}
if (!options.TryGetValue("--loghub", out var loghub))
{
    Console.Error.WriteLine("usage: --loghub DIR [--markdown FILE] [--mistakes FILE] [--passes N]");
    return 2;
}
var passes = options.TryGetValue("--passes", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 15;
using var mistakes = options.TryGetValue("--mistakes", out var mistakesPath) ? new StreamWriter(mistakesPath) : null;

var results = new List<SetResult>();
var allLines = new List<byte[]>();
foreach (var (name, drain) in DrainFigures.GroupingAccuracy)
{
    var set = LabelledSet.Load(loghub, name);
    if (set is null)
    {
        Console.Error.WriteLine($"missing: {name}");
        continue;
    }
    results.Add(SetEvaluation.Run(set, drain, mistakes));
    allLines.AddRange(set.Lines.Select(l => Encoding.UTF8.GetBytes(l.Content)));
}
if (results.Count == 0)
{
    return 1;
}
var rate = Throughput.LinesPerSecond(allLines, passes);
var maskRate = Throughput.MaskedLinesPerSecond(allLines, passes);
var table = ResultTable.Markdown(results, rate, maskRate, allLines.Count, passes);
Console.Write(table);
if (options.TryGetValue("--markdown", out var markdown))
{
    File.WriteAllText(markdown, table);
}
return 0;
