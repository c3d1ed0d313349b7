using System.Buffers;
using System.Text.Json;
using Sluice.Query.Analytics.Worker;

namespace Sluice.Query.Analytics;

/// <summary>
/// How the answers of custom SQL from the stored counts end (<see cref="SqlStoredCounts"/>, <see cref="SqlStoredBins"/>,
/// <see cref="SqlStoredWithin"/>): the engine's columns, the rows as a JSON array of objects bounded while they are
/// written, and timings that say the answer came from the stored counts.
/// </summary>
internal static class SqlStoredAnswer
{
    /// <summary>A table of two columns, a value (VARCHAR, null for events without it) and its count (BIGINT).</summary>
    public static QueryAnswer? WriteCounts(string valueName, string countName, IReadOnlyList<(string? Value, long Count)> rows, int maxRows, long maxBytes, long started) =>
        Write(
            [
                new SqlAnswerWriter.Column(valueName, "VARCHAR", SqlAnswerWriter.Rendering.Text),
                new SqlAnswerWriter.Column(countName, "BIGINT", SqlAnswerWriter.Rendering.Native),
            ],
            rows,
            (writer, row) =>
            {
                writer.WriteString(valueName, row.Value);
                writer.WriteNumber(countName, row.Count);
            },
            maxRows,
            maxBytes,
            started);

    /// <summary>
    /// The answer of <paramref name="rows"/>, each row's members written by <paramref name="writeRow"/>. Null — the
    /// engine answers, cut as it cuts — when the rows pass <paramref name="maxRows"/> or their JSON passes
    /// <paramref name="maxBytes"/> (checked after each row, so no more than a row is written past the bound).
    /// </summary>
    public static QueryAnswer? Write<TRow>(IReadOnlyList<SqlAnswerWriter.Column> columns, IReadOnlyList<TRow> rows, Action<Utf8JsonWriter, TRow> writeRow,
        int maxRows, long maxBytes, long started)
    {
        if (rows.Count > maxRows)
        {
            return null;
        }

        var json = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(json, SqlAnswerWriter.JsonOptions))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writeRow(writer, row);
                writer.WriteEndObject();
                if (json.WrittenCount + writer.BytesPending > maxBytes)
                {
                    return null;
                }
            }

            writer.WriteEndArray();
        }

        var answer = QueryAnswer.OfRendered(new RenderedTable(SqlAnswerWriter.WriteColumns(columns), json.WrittenSpan.ToArray(), rows.Count), TruncatedBy.None);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        answer.Timings.FromStoredCounts = true;
        return answer;
    }
}
