using Sluice.Query.Language;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers the <c>patterns</c> pipe with ordinary queries: <c>stats count(), min(_time), max(_time) by pattern_id</c>
/// over the query's events, with each pattern's template from the catalog; <c>patterns diff</c> runs the same count
/// over the range of equal length just before and compares the two (docs/query.md).
/// </summary>
internal static class PatternAnswers
{
    private static readonly QueryField PatternId = QueryField.Resolve("pattern_id");

    public static QueryAnswer Run(AnalyticsQueries analytics, ParsedQuery query, PatternsPipe pipe, IPatternTemplates? templates, long now, bool includeArchive, CancellationToken cancel)
    {
        var limit = query.Pipes.OfType<LimitPipe>().Select(l => l.Count).DefaultIfEmpty(int.MaxValue).Min();
        if (!pipe.Diff)
        {
            using var answer = analytics.Run(Counts(query.Filter), QueryBounds.All, includeArchive, cancel);
            var merged = Merge(answer.Rows, templates);
            var rows = merged.Take(limit).Select(r => new object?[] { r[0], Template(templates, r[0]), r[1], r[2], r[3] }).ToList();
            var truncated = merged.Count > limit ? TruncatedBy.Rows : answer.TruncatedBy;
            return QueryAnswer.OfRows(
                [new("pattern_id", false), new("pattern", false), new("count", false), new("first_seen", true), new("last_seen", true)],
                rows, truncated);
        }

        var bounds = QueryBounds.Of(query.Filter, now);
        if (bounds.Start == long.MinValue)
        {
            throw new QueryException(query.PipesAt, "'patterns diff' compares the query's range with the one before it: give the range, e.g. _time:1h");
        }

        var end = Math.Min(bounds.End, now + 1);
        var length = end - bounds.Start;
        var rest = WithoutTime(query.Filter, query.PipesAt);
        var before = TimeFilter.Between(bounds.Start - length, bounds.Start);
        using var current = analytics.Run(Counts(query.Filter), QueryBounds.All, includeArchive, cancel);
        using var previous = analytics.Run(Counts(rest is null ? before : new AndFilter(rest, before)), QueryBounds.All, includeArchive, cancel);
        var table = Compare(Merge(current.Rows, templates), Merge(previous.Rows, templates), pipe.ShiftFactor, templates);
        var cut = current.Truncated || previous.Truncated ? TruncatedBy.Rows : TruncatedBy.None;
        if (table.Count > limit)
        {
            table.RemoveRange(limit, table.Count - limit);
            cut = TruncatedBy.Rows;
        }

        return QueryAnswer.OfRows(
            [new("pattern_id", false), new("pattern", false), new("change", false), new("count", false), new("previous_count", false), new("ratio", false)],
            table, cut);
    }

    /// <summary>Every pattern of either window: new ones first, then gone, up, down and steady, each by count.</summary>
    internal static List<object?[]> Compare(List<object?[]> current, List<object?[]> previous, double factor, IPatternTemplates? templates)
    {
        var before = previous.ToDictionary(r => (string)r[0]!, r => Convert.ToInt64(r[1]), StringComparer.Ordinal);
        var now = current.ToDictionary(r => (string)r[0]!, r => Convert.ToInt64(r[1]), StringComparer.Ordinal);
        var rows = new List<(int Rank, long Count, object?[] Row)>();
        foreach (var id in now.Keys.Union(before.Keys))
        {
            var count = now.GetValueOrDefault(id);
            var earlier = before.GetValueOrDefault(id);
            var (change, rank) = earlier == 0 ? ("new", 0)
                : count == 0 ? ("gone", 1)
                : count >= factor * earlier ? ("up", 2)
                : earlier >= factor * count ? ("down", 3)
                : ("steady", 4);
            double? ratio = earlier == 0 ? null : Math.Round((double)count / earlier, 3);
            rows.Add((rank, Math.Max(count, earlier), [id, Template(templates, id), change, count, earlier, ratio]));
        }

        return [.. rows.OrderBy(r => r.Rank).ThenByDescending(r => r.Count).ThenBy(r => (string)r.Row[0]!, StringComparer.Ordinal).Select(r => r.Row)];
    }

    /// <summary>
    /// Rows of patterns merged into another (stored under the id they had then) folded into the survivor's row:
    /// counts added, the earliest first and the latest last seen kept; most frequent first again.
    /// </summary>
    internal static List<object?[]> Merge(List<object?[]> rows, IPatternTemplates? templates)
    {
        if (templates is null)
        {
            return rows;
        }

        var byId = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = templates.CurrentOf((string)row[0]!);
            if (!byId.TryGetValue(id, out var into))
            {
                byId[id] = [id, .. row[1..]];
                continue;
            }

            into[1] = Convert.ToInt64(into[1]) + Convert.ToInt64(row[1]);
            into[2] = Earlier(into[2], row[2]);
            into[3] = Later(into[3], row[3]);
        }

        return [.. byId.Values.OrderByDescending(r => Convert.ToInt64(r[1])).ThenBy(r => (string)r[0]!, StringComparer.Ordinal)];
    }

    private static object? Earlier(object? a, object? b) =>
        a is IComparable x && b is not null && x.CompareTo(b) > 0 ? b : a ?? b;

    private static object? Later(object? a, object? b) =>
        a is IComparable x && b is not null && x.CompareTo(b) < 0 ? b : a ?? b;

    private static ParsedQuery Counts(Filter? filter)
    {
        var hasPattern = new FieldFilter(PatternId, MatchOp.Exists, "");
        return new ParsedQuery(filter is null ? hasPattern : new AndFilter(filter, hasPattern),
        [
            new StatsPipe(
                [
                    new Aggregate(AggregateFunction.Count, null, null, "count"),
                    new Aggregate(AggregateFunction.Min, QueryField.Timestamp, null, "first_seen"),
                    new Aggregate(AggregateFunction.Max, QueryField.Timestamp, null, "last_seen"),
                ],
                [new GroupKey(PatternId, 0)]),
            new SortPipe([new SortKey("count", true)]),
        ]);
    }

    /// <summary>The filter without its time terms, which must be joined by AND for the earlier range to be the same question.</summary>
    private static Filter? WithoutTime(Filter? filter, int position) => filter switch
    {
        null or TimeFilter => null,
        AndFilter both => (WithoutTime(both.Left, position), WithoutTime(both.Right, position)) switch
        {
            (null, var right) => right,
            (var left, null) => left,
            (var left, var right) => new AndFilter(left, right),
        },
        OrFilter either when HasTime(either) => throw new QueryException(position, "'patterns diff' needs the query's time terms joined by AND, not inside OR"),
        NotFilter negated when HasTime(negated) => throw new QueryException(position, "'patterns diff' needs the query's time terms joined by AND, not inside NOT"),
        _ => filter,
    };

    private static bool HasTime(Filter filter) => filter switch
    {
        TimeFilter => true,
        AndFilter both => HasTime(both.Left) || HasTime(both.Right),
        OrFilter either => HasTime(either.Left) || HasTime(either.Right),
        NotFilter negated => HasTime(negated.Inner),
        _ => false,
    };

    private static string? Template(IPatternTemplates? templates, object? id) => id is string text ? templates?.TemplateOf(text) : null;
}
