using System.Globalization;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary><see cref="IAlertQueries"/> through the query engine (<see cref="IQueryEngine"/>).</summary>
internal sealed class EngineAlertQueries(IQueryEngine analytics) : IAlertQueries
{
    public long Count(Filter filter, long startMs, long endMs, CancellationToken cancel)
    {
        var query = new ParsedQuery(filter, [new StatsPipe([new Aggregate(AggregateFunction.Count, null, null, "n")], [])]);
        using var answer = analytics.Run(query, new QueryBounds(startMs, endMs, null), includeArchive: false, cancel);
        return answer.Rows.Count == 0 || answer.Rows[0][^1] is not { } n ? 0 : Convert.ToInt64(n, CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<(string? Value, long Count)> CountBy(Filter filter, string field, long startMs, long endMs, CancellationToken cancel)
    {
        var key = new GroupKey(QueryField.Resolve(field), 0);
        var query = new ParsedQuery(filter, [new StatsPipe([new Aggregate(AggregateFunction.Count, null, null, "n")], [key])]);
        using var answer = analytics.Run(query, new QueryBounds(startMs, endMs, null), includeArchive: false, cancel);
        var names = answer.Columns.Select(c => c.Name).ToList();
        var (valueAt, countAt) = (names.IndexOf(key.Name), names.IndexOf("n"));
        return [.. answer.Rows.Select(r => (r[valueAt] is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null,
            r[countAt] is { } n ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : 0L))];
    }

    public double? Formula(string formula, Filter? scope, long startMs, long endMs, CancellationToken cancel) =>
        analytics.Formula(formula, startMs, endMs, null, scope, includeArchive: false, cancel).Value;

    public IReadOnlyList<SampleEvent> Samples(Filter filter, long startMs, long endMs, int limit, CancellationToken cancel)
    {
        if (limit <= 0)
        {
            return [];
        }

        using var answer = analytics.Run(new ParsedQuery(filter, [new LimitPipe(limit)]), new QueryBounds(startMs, endMs, null), includeArchive: false, cancel);
        return [.. (answer.Events ?? []).Take(limit).Select(e => SampleEvent.Of(e.Bytes.Span))];
    }
}
