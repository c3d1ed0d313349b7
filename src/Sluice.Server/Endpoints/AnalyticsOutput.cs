using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Sluice.Core.Events;
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
                    WriteValue(json, row[i], answer.Columns[i].IsTime);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("row_count", answer.Rows.Count);
        }

        json.WriteBoolean("truncated", answer.Truncated);
        json.WriteNumber("elapsed_ms", Math.Round(elapsedMs, 3));
        json.WriteStartObject("timings");
        json.WriteNumber("prepare_ms", Math.Round(answer.Timings.PrepareMs, 3));
        json.WriteNumber("engine_ms", Math.Round(answer.Timings.EngineMs, 3));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>One value as the engine returned it; <paramref name="isTime"/> epoch milliseconds become ISO-8601.</summary>
    public static void WriteValue(Utf8JsonWriter json, object? value, bool isTime = false)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case long ms when isTime:
                json.WriteStringValue(Timestamps.ToIso(ms));
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case double d:
                if (double.IsFinite(d))
                {
                    json.WriteNumberValue(d);
                }
                else
                {
                    json.WriteNullValue();
                }

                break;
            case float f:
                WriteValue(json, (double)f);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            case BigInteger big:
                json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case DateTime time:
                json.WriteStringValue(DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset offset:
                json.WriteStringValue(offset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    json.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(json, entry.Value);
                }

                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
