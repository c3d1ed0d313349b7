using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers custom SQL of the <see cref="SqlCountShape"/> — events by level over a time range — from the counts
/// stored beside each part, as the query language does (<see cref="StoredCounts"/>): hours cut by the range's edges
/// and unsealed rows are counted exactly by <see cref="SummaryQueries"/>, so the table is the engine's. Its rows come
/// most frequent first (the statement has no ORDER BY, so any order is the engine's too). Null — the engine answers —
/// when the rows pass <c>Query:MaxRows</c> or the answer's bytes. Only without sampled events: the stored counts count
/// a sampled event by its weight, <c>count(*)</c> counts rows.
/// </summary>
internal static class SqlStoredCounts
{
    public static QueryAnswer? TryAnswer(SqlCountShape shape, SqlScope scope, SummaryQueries summaries, bool includeArchive, int maxRows, long maxBytes)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var summary = StoredCounts.Summarize(summaries, scope.Bounds, includeArchive);

        var levels = summary.Counts.GetValueOrDefault("level") ?? [];
        // Every event has a level; a part that kept too many values, or counts that do not add up, go to the engine.
        if (levels.ContainsKey(PartSummary.Other) || levels.Values.Sum() != summary.Total)
        {
            return null;
        }

        var rows = levels.Where(v => v.Value > 0).OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal)
            .Select(v => ((string?)v.Key, v.Value)).ToList();
        return SqlStoredAnswer.WriteCounts(shape.LevelName, shape.CountName, rows, maxRows, maxBytes, started);
    }
}
