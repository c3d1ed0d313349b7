using System.Text.Json;
using Sluice.Query.Analytics;
using Sluice.Query.Output;

namespace Sluice.Server.Endpoints;

/// <summary>Writes query answers as JSON: a table as rows of objects, or whole events as search writes them.</summary>
public static class AnalyticsOutput
{
    public static void WriteAnswer(Utf8JsonWriter json, QueryAnswer answer, double elapsedMs)
    {
        json.WriteStartObject();
        if (answer.Events is { } events)
        {
            json.WriteStartArray("events");
            foreach (var row in events)
            {
                EventJsonWriter.Write(json, row.Bytes.Span);
            }

            json.WriteEndArray();
            json.WriteNumber("row_count", events.Count);
        }
        else if (answer.Rendered is { } table)
        {
            json.WritePropertyName("columns");
            json.WriteRawValue(table.ColumnsJson, skipInputValidation: true);
            json.WritePropertyName("rows");
            json.WriteRawValue(table.RowsJson, skipInputValidation: true);
            json.WriteNumber("row_count", table.RowCount);
        }
        else
        {
            json.WriteStartArray("columns");
            foreach (var column in answer.Columns)
            {
                json.WriteStringValue(column.Name);
            }

            json.WriteEndArray();
            json.WriteStartArray("rows");
            foreach (var row in answer.Rows)
            {
                json.WriteStartObject();
                for (var i = 0; i < answer.Columns.Count; i++)
                {
                    json.WritePropertyName(answer.Columns[i].Name);
                    ValueJsonWriter.Write(json, row[i], answer.Columns[i].IsTime);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("row_count", answer.Rows.Count);
        }

        WriteTruncation(json, answer.TruncatedBy);
        json.WriteNumber("elapsed_ms", Math.Round(elapsedMs, 3));
        json.WriteStartObject("timings");
        json.WriteNumber("prepare_ms", Math.Round(answer.Timings.PrepareMs, 3));
        json.WriteNumber("engine_ms", Math.Round(answer.Timings.EngineMs, 3));
        if (answer.Timings.FromStoredCounts)
        {
            json.WriteBoolean("stored_counts", true);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary><c>"truncated"</c>, and when true, <c>"truncated_by"</c>: <c>rows</c> (Query:MaxRows) or <c>bytes</c> (Query:MaxAnswerMb).</summary>
    public static void WriteTruncation(Utf8JsonWriter json, TruncatedBy truncated)
    {
        json.WriteBoolean("truncated", truncated != TruncatedBy.None);
        if (truncated != TruncatedBy.None)
        {
            json.WriteString("truncated_by", truncated == TruncatedBy.Rows ? "rows" : "bytes");
        }
    }
}
