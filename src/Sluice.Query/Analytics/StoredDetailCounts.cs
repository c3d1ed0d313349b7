using Sluice.Query.Language;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers the dashboard shapes of <see cref="StoredDetailShape"/> — a field's counts within one value of
/// <c>level</c> or <c>decision</c>, and counts per time bin — from the parts' <see cref="SummaryDetail"/>, with the
/// columns and row order the engine gives them (its <c>top</c>: count descending, then value; its <c>stats</c>: by
/// the keys, events without the field last). Cut hours, parts without details and unsealed rows are counted as
/// <see cref="DetailQueries"/> says, so the answer is the engine's; a part whose caps overflowed sends the whole
/// query to the engine.
/// </summary>
internal static class StoredDetailCounts
{
    public static QueryAnswer? TryAnswer(ParsedQuery query, long nowMs, DetailQueries details, bool includeArchive, int maxRows)
    {
        var within = StoredDetailShape.MatchWithin(query);
        var bins = within is null ? StoredDetailShape.MatchBins(query) : null;
        if (within is null && bins is null)
        {
            return null;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bounds = QueryBounds.Of(query.Filter, nowMs);
        var answer = within is not null ? AnswerWithin(within, bounds, details, includeArchive, maxRows) : AnswerBins(bins!, bounds, details, includeArchive, maxRows);
        if (answer is not null)
        {
            answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            answer.Timings.FromStoredCounts = true;
        }

        return answer;
    }

    private static QueryAnswer? AnswerWithin(StoredDetailShape.Within asked, QueryBounds bounds, DetailQueries details, bool includeArchive, int maxRows)
    {
        if (details.CountWithin(bounds.Kind, bounds.Start, bounds.End, includeArchive, asked.Primary, asked.Value, asked.Field) is not { } counts)
        {
            return null;
        }

        var named = counts.Where(c => c.Key != DetailQueries.NullKey && c.Value != 0);
        List<object?[]> rows;
        if (asked.Top is { } top)
        {
            // As the engine's top: no row for events without the field; ties in count by value.
            rows = [.. named.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top).Select(c => new object?[] { c.Key, c.Value })];
        }
        else
        {
            rows = [.. named.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new object?[] { c.Key, c.Value })];
            if (counts.GetValueOrDefault(DetailQueries.NullKey) is var missing && missing != 0)
            {
                rows.Add([null, missing]);
            }
        }

        return QueryAnswer.Table([new OutputColumn(asked.Field, false), new OutputColumn(asked.CountName, false)], AnswerRows.Of(rows), maxRows);
    }

    private static QueryAnswer? AnswerBins(StoredDetailShape.Bins asked, QueryBounds bounds, DetailQueries details, bool includeArchive, int maxRows)
    {
        if (details.CountBins(bounds.Kind, bounds.Start, bounds.End, includeArchive, asked.BinMs, asked.Field, maxCells: maxRows) is not { } counts)
        {
            return null;
        }

        var cells = counts.Where(c => c.Value != 0);
        if (asked.Field is null)
        {
            var totals = cells.OrderBy(c => c.Key.Bin).Select(c => new object?[] { c.Key.Bin, c.Value }).ToList();
            return QueryAnswer.Table([new OutputColumn(GroupKey.TimeColumn, true), new OutputColumn(asked.CountName, false)], AnswerRows.Of(totals), maxRows);
        }

        // As the engine orders stats: by each key in turn, events without the field after those with it.
        var byValue = Comparer<string?>.Create((a, b) => (a, b) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => string.CompareOrdinal(a, b),
        });
        var ordered = asked.FieldFirst
            ? cells.OrderBy(c => c.Key.Value, byValue).ThenBy(c => c.Key.Bin)
            : cells.OrderBy(c => c.Key.Bin).ThenBy(c => c.Key.Value, byValue);
        var rows = ordered.Select(c => asked.FieldFirst ? new object?[] { c.Key.Value, c.Key.Bin, c.Value } : [c.Key.Bin, c.Key.Value, c.Value]).ToList();
        OutputColumn time = new(GroupKey.TimeColumn, true), field = new(asked.FieldName, false);
        return QueryAnswer.Table(asked.FieldFirst ? [field, time, new OutputColumn(asked.CountName, false)] : [time, field, new OutputColumn(asked.CountName, false)], AnswerRows.Of(rows), maxRows);
    }
}
