using System.Text.Json;

namespace Sluice.Server.Mirror;

/// <summary>One compared count: this node's, the other end's, and what the other end should hold given the share.</summary>
internal sealed record ComparedCount(string Field, string? Value, long This, long Other, double Expected, long Tolerance)
{
    public double Difference => Other - Expected;

    public bool Match => Math.Abs(Difference) <= Tolerance;
}

/// <summary>
/// Compares two range summaries, flattened to <c>(field, value) → count</c> (the total under <c>("total", null)</c>).
/// A full mirror must hold exactly what this node holds. A partial one holds the events whose id hashes below the
/// share: for n events, a count drawn like n coin flips with that chance, so it may stray from n × share by a few
/// standard deviations; the tolerance is four of them, ⌈4·√(n·share·(1−share))⌉ — exact again at share 0 or 1.
/// </summary>
internal static class SummaryComparison
{
    public const string ToleranceRule =
        "exact when expected_share is 0 or 1; otherwise ceil(4 * sqrt(this * share * (1 - share))): four standard deviations of a per-event draw by id hash";

    public static List<ComparedCount> Compare(Dictionary<(string Field, string? Value), long> mine, Dictionary<(string Field, string? Value), long> other, double share)
    {
        var keys = mine.Keys.Union(other.Keys)
            .OrderBy(k => k.Field == "total" ? 0 : 1).ThenBy(k => k.Field, StringComparer.Ordinal).ThenBy(k => k.Value, StringComparer.Ordinal);
        return [.. keys.Select(k =>
        {
            var n = mine.GetValueOrDefault(k);
            return new ComparedCount(k.Field, k.Value, n, other.GetValueOrDefault(k), n * share, Tolerance(n, share));
        })];
    }

    public static long Tolerance(long n, double share) =>
        share is <= 0 or >= 1 ? 0 : (long)Math.Ceiling(4 * Math.Sqrt(n * share * (1 - share)));

    /// <summary>A summary answer (<c>total</c> and <c>by_*</c> objects) flattened; only the named maps are read.</summary>
    public static Dictionary<(string Field, string? Value), long> Flatten(JsonElement summary, IEnumerable<string> maps)
    {
        var counts = new Dictionary<(string, string?), long> { [("total", null)] = summary.GetProperty("total").GetInt64() };
        foreach (var name in maps)
        {
            if (summary.TryGetProperty(name, out var map) && map.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in map.EnumerateObject())
                {
                    counts[(name, entry.Name)] = entry.Value.GetInt64();
                }
            }
        }

        return counts;
    }
}
