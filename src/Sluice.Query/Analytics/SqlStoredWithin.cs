using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers custom SQL of the <see cref="SqlWithinShape"/> — a field's counts within one value of <c>level</c> or
/// <c>decision</c> — from the parts' <see cref="SummaryDetail"/>, as the query language does
/// (<see cref="StoredDetailCounts"/>): cut hours, parts without details and unsealed rows are counted exactly by
/// <see cref="DetailQueries"/>. Unlike the language's <c>top</c>, GROUP BY keeps the events without the field, as a
/// <c>null</c> row. Rows come count descending, ties by value (ordinal, <c>null</c> last): the engine orders ties
/// arbitrarily, so with <c>LIMIT n</c> only the rows above the n-th count are the engine's for sure, the rest are of
/// its count. Null — the engine answers — when a part's detail cannot say or the rows pass <c>Query:MaxRows</c> or
/// the answer's bytes. Only without sampled events: the details count weights, <c>count(*)</c> rows.
/// </summary>
internal static class SqlStoredWithin
{
    public static QueryAnswer? TryAnswer(SqlWithinShape shape, SqlScope scope, DetailQueries details, bool includeArchive, int maxRows, long maxBytes)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bounds = scope.Bounds;
        if (details.CountWithin(bounds.Kind, bounds.Start, bounds.End, includeArchive, shape.Primary, shape.Value, shape.Field) is not { } counts)
        {
            return null;
        }

        var rows = counts.Where(c => c.Value > 0)
            .Select(c => (Value: c.Key == DetailQueries.NullKey ? null : c.Key, Count: c.Value))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Value is null).ThenBy(c => c.Value, StringComparer.Ordinal)
            .Take(shape.Limit is { } limit ? (int)Math.Min(limit, int.MaxValue) : int.MaxValue)
            .ToList();
        return SqlStoredAnswer.WriteCounts(shape.FieldName, shape.CountName, rows, maxRows, maxBytes, started);
    }
}
