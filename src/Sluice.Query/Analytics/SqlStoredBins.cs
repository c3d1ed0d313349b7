using Sluice.Query.Analytics.Worker;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// Answers custom SQL of the <see cref="SqlBinShape"/> — events per time bin, overall or by a field counted per
/// minute — from the parts' <see cref="SummaryDetail"/>, as the query language does (<see cref="StoredDetailCounts"/>):
/// hours cut by the range's edges, parts without details and unsealed rows are counted exactly by
/// <see cref="DetailQueries"/>, so the table is the engine's, with its column names and types (the bin and the count
/// BIGINT). Its rows come by bin, then value (the statement has no ORDER BY, so any order is the engine's too). Null —
/// the engine answers — when a part's detail cannot say, or the cells pass <c>Query:MaxRows</c> or the answer's bytes.
/// Only without sampled events: the details count a sampled event by its weight, <c>count(*)</c> counts rows.
/// </summary>
internal static class SqlStoredBins
{
    public static QueryAnswer? TryAnswer(SqlBinShape shape, SqlScope scope, DetailQueries details, bool includeArchive, int maxRows, long maxBytes)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bounds = scope.Bounds;
        if (details.CountBins(bounds.Kind, bounds.Start, bounds.End, includeArchive, shape.BinMs, shape.Field, maxCells: maxRows) is not { } counts)
        {
            return null;
        }

        var cells = counts.Where(c => c.Value > 0).OrderBy(c => c.Key.Bin).ThenBy(c => c.Key.Value, StringComparer.Ordinal).ToList();
        return SqlStoredAnswer.Write(
            [.. shape.Columns.Select(c => c.Holds == SqlBinShape.Holds.Field
                ? new SqlAnswerWriter.Column(c.Name, "VARCHAR", SqlAnswerWriter.Rendering.Text)
                : new SqlAnswerWriter.Column(c.Name, "BIGINT", SqlAnswerWriter.Rendering.Native))],
            cells,
            (writer, cell) =>
            {
                foreach (var column in shape.Columns)
                {
                    switch (column.Holds)
                    {
                        case SqlBinShape.Holds.Bin:
                            writer.WriteNumber(column.Name, cell.Key.Bin);
                            break;
                        case SqlBinShape.Holds.Count:
                            writer.WriteNumber(column.Name, cell.Value);
                            break;
                        default:
                            writer.WriteString(column.Name, cell.Key.Value);
                            break;
                    }
                }
            },
            maxRows,
            maxBytes,
            started);
    }
}
