using Sluice.Core.Events;
using Sluice.Query.Language;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers <c>[_time…] [kind:…] | stats count() [as n] [by (field)]</c> and <c>… | top N field</c> from the counts stored beside each part —
/// no event is read again — when the field is one the summaries count (level, service, system, category, decision,
/// country, reason, domain). Hours cut by the range's edges are counted by the engine and unsealed rows from memory
/// (<see cref="SummaryQueries"/>), so the answer is the engine's, exactly; ClickHouse users would reach for a
/// projection to get the same. Any other shape, or a field whose values overflowed a part's cap, runs on the engine.
/// </summary>
internal static class StoredCounts
{
    /// <param name="maxRows">Query:MaxRows: a field with more values than this is cut and says so, as the engine's answer is.</param>
    public static QueryAnswer? TryAnswer(ParsedQuery query, long nowMs, SummaryQueries summaries, bool includeArchive, int maxRows)
    {
        if (StoredCountShape.MatchesTop(query, out var topField, out var top))
        {
            return AnswerTop(query, nowMs, summaries, includeArchive, maxRows, topField!, top);
        }

        if (!StoredCountShape.Matches(query, out var field))
        {
            return null;
        }

        var count = ((StatsPipe)query.Pipes[0]).Aggregates[0];
        var by = ((StatsPipe)query.Pipes[0]).By;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bounds = QueryBounds.Of(query.Filter, nowMs);
        var summary = Summarize(summaries, bounds, includeArchive);

        var rows = new List<object?[]>();
        if (field is null)
        {
            rows.Add([summary.Total]);
        }
        else
        {
            var values = summary.Counts.GetValueOrDefault(field) ?? [];
            if (values.ContainsKey(PartSummary.Other))
            {
                return null; // a part had more distinct values than it keeps: only the engine knows them all
            }

            rows.AddRange(values.Where(v => v.Value > 0).OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).Select(v => new object?[] { v.Key, v.Value }));
            var missing = summary.Total - values.Values.Sum();
            if (missing > 0)
            {
                rows.Add([null, missing]); // events without the field group under null, as in the engine
            }
        }

        var columns = field is null ? new[] { new OutputColumn(count.Name, false) } : [new OutputColumn(by[0].Name, false), new OutputColumn(count.Name, false)];
        var answer = QueryAnswer.Table(columns, AnswerRows.Of(rows), maxRows);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        answer.Timings.FromStoredCounts = true;
        return answer;
    }

    private static QueryAnswer? AnswerTop(ParsedQuery query, long nowMs, SummaryQueries summaries, bool includeArchive, int maxRows, string field, int top)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var values = Summarize(summaries, QueryBounds.Of(query.Filter, nowMs), includeArchive).Counts.GetValueOrDefault(field) ?? [];
        if (values.ContainsKey(PartSummary.Other))
        {
            return null;
        }

        var rows = values.Where(v => v.Value > 0).OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).Take(top)
            .Select(v => new object?[] { v.Key, v.Value }).ToList();
        var answer = QueryAnswer.Table([new OutputColumn(field, false), new OutputColumn("count", false)], AnswerRows.Of(rows), maxRows);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        answer.Timings.FromStoredCounts = true;
        return answer;
    }

    /// <summary>The stored counts of every event in <paramref name="bounds"/>, of its kind or of both.</summary>
    internal static PartSummary Summarize(SummaryQueries summaries, QueryBounds bounds, bool includeArchive)
    {
        var summary = new PartSummary();
        foreach (var kind in bounds.Kind is { } only ? [only] : new[] { EventKind.Log, EventKind.Traffic })
        {
            summary.Merge(summaries.Summarize(kind, bounds.Start, bounds.End, includeArchive));
        }

        return summary;
    }
}
