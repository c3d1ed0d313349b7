using System.Text.RegularExpressions;

namespace Sluice.Bench.Patterns;

/// <summary>
/// Grouping accuracy (a message is right when its predicted group holds exactly the messages of its true group; Zhu et
/// al., ICSE-SEIP 2019) and parsing accuracy (a message is right when its template equals the true one, both normalised).
/// </summary>
internal static partial class Accuracy
{
    public static double Grouping(IReadOnlyList<string> truth, IReadOnlyList<string> predicted)
    {
        var truthSizes = truth.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var correct = 0;
        foreach (var group in Enumerable.Range(0, truth.Count).GroupBy(i => predicted[i]))
        {
            var labels = group.Select(i => truth[i]).Distinct().ToList();
            if (labels.Count == 1 && truthSizes[labels[0]] == group.Count())
            {
                correct += group.Count();
            }
        }
        return (double)correct / truth.Count;
    }

    public static double Parsing(IReadOnlyList<string> truth, IReadOnlyList<string> predicted)
    {
        var correct = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            correct += Normalise(truth[i]) == Normalise(predicted[i]) ? 1 : 0;
        }
        return (double)correct / truth.Count;
    }

    /// <summary>Runs of variables (with nothing or only whitespace between them) become one; whitespace runs one space.</summary>
    public static string Normalise(string template)
    {
        var text = Spaces().Replace(template.Trim(), " ");
        return Variables().Replace(text, "<*>");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"<\*>(?:\s*<\*>)+")]
    private static partial Regex Variables();
}
