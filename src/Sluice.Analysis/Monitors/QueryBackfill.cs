using System.Globalization;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>Backfill through the query engine: <c>&lt;filter&gt; | stats count() by bin(…)</c> over the range.</summary>
internal sealed class QueryBackfill(IQueryEngine analytics, Func<bool> ready) : IMonitorBackfill
{
    public bool Ready => ready();

    public IReadOnlyList<(long BinStartMs, long Count)> Count(Filter filter, long startMs, long endMs, long binMs, CancellationToken cancel)
    {
        var query = new ParsedQuery(filter, [new StatsPipe([new Aggregate(AggregateFunction.Count, null, null, "n")], [new GroupKey(null, binMs)])]);
        using var answer = analytics.Run(query, new QueryBounds(startMs, endMs, null), includeArchive: false, cancel);
        var columns = answer.Columns.Select(c => c.Name).ToList();
        var (binAt, countAt) = (columns.IndexOf(GroupKey.TimeColumn), columns.IndexOf("n"));
        var counts = new List<(long, long)>(answer.Rows.Count);
        foreach (var row in answer.Rows)
        {
            if (row[binAt] is { } bin && row[countAt] is { } n)
            {
                counts.Add((ToMs(bin), Convert.ToInt64(n, CultureInfo.InvariantCulture)));
            }
        }

        return counts;
    }

    /// <summary>The engine hands back a bin as ms, a date or text, depending on the path that answered.</summary>
    internal static long ToMs(object bin) => bin switch
    {
        long l => l,
        int i => i,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
        DateTimeOffset o => o.ToUnixTimeMilliseconds(),
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) => ms,
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds(),
        _ => Convert.ToInt64(bin, CultureInfo.InvariantCulture),
    };
}
