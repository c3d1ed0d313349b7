using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DuckDB.NET.Native;
using Sluice.Query.Output;
using Sluice.Storage.Engine;

namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// Renders the answer of custom SQL as JSON, bounded while it is written. The statement's columns are described
/// first and each is read back in a form with a stable JSON meaning — text cut to the answer's size by the engine
/// (so a 300 MB value is never copied out whole), BLOB as base64, DATE as ISO-8601 text (also past .NET's range),
/// TIMESTAMP as ISO-8601 UTC with milliseconds (<c>infinity</c> as such), INTERVAL as an ISO-8601 duration, wide
/// numbers as JSON numbers, nested values as their JSON — and rows stop at <c>maxRows</c> or at the byte cap.
/// </summary>
internal static class SqlAnswerWriter
{
    public static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    internal enum Rendering
    {
        /// <summary>Read as the reader gives it (booleans, integers, floats, decimals that fit).</summary>
        Native,

        /// <summary>Read as text the engine made; written as a JSON string.</summary>
        Text,

        /// <summary>Read as the engine's text of a number too wide for .NET; written as a JSON number.</summary>
        Number,

        /// <summary>Read as JSON the engine made (lists, structs, maps, JSON values); written as is.</summary>
        Json,

        /// <summary>An INTERVAL, written as an ISO-8601 duration.</summary>
        Interval,

        /// <summary>A DATE or TIMESTAMP formatted by the engine, its year then written the ISO-8601 way.</summary>
        Temporal,
    }

    internal sealed record Column(string Name, string Type, Rendering Rendering);

    /// <summary>The statement's columns, from the engine's description of it (nothing runs).</summary>
    public static List<Column> Describe(DuckDbEngine.Connection connection, string sql)
    {
        using var command = connection.Command($"DESCRIBE SELECT * FROM ({sql}) AS q");
        using var reader = command.ExecuteReader();
        var columns = new List<Column>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var name = reader.GetString(0);
            var type = reader.GetString(1);
            // Each row is a JSON object: a repeated name (SELECT 1 a, 2 a) gets a suffix.
            var unique = name;
            for (var n = 2; !names.Add(unique); n++)
            {
                unique = $"{name}_{n}";
            }

            columns.Add(new Column(unique, type, RenderingOf(type)));
        }

        return columns;
    }

    /// <summary>The statement wrapped so each column comes back in its rendering, at most one row past <paramref name="maxRows"/>.</summary>
    public static string Outer(string sql, IReadOnlyList<Column> columns, int maxRows, long maxAnswerBytes)
    {
        var cut = Math.Min(maxAnswerBytes + 1, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var aliases = string.Join(", ", columns.Select((_, i) => $"c{i}"));
        var select = string.Join(", ", columns.Select((c, i) => $"{Expression(c, $"q.c{i}", cut)} AS c{i}"));
        return $"SELECT {select} FROM ({sql}) AS q({aliases}) LIMIT {maxRows + 1}";
    }

    /// <summary>Writes the rows as a JSON array of objects, stopping at <paramref name="maxRows"/> rows or <paramref name="maxBytes"/> bytes.</summary>
    public static (byte[] Rows, int Count, TruncatedBy Truncated) WriteRows(DbDataReader reader, IReadOnlyList<Column> columns, int maxRows, long maxBytes, CancellationToken cancel)
    {
        var answer = new ArrayBufferWriter<byte>(4096);
        answer.Write("["u8);
        var row = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(row, JsonOptions);
        var count = 0;
        var truncated = TruncatedBy.None;
        while (reader.Read())
        {
            cancel.ThrowIfCancellationRequested();
            if (count == maxRows)
            {
                truncated = TruncatedBy.Rows;
                break;
            }

            row.ResetWrittenCount();
            json.Reset(row);
            if (!WriteRow(json, row, reader, columns, maxBytes - answer.WrittenCount - 2))
            {
                truncated = TruncatedBy.Bytes;
                break;
            }

            if (count > 0)
            {
                answer.Write(","u8);
            }

            answer.Write(row.WrittenSpan);
            count++;
        }

        answer.Write("]"u8);
        return (answer.WrittenSpan.ToArray(), count, truncated);
    }

    /// <summary>The column names as a JSON array.</summary>
    public static byte[] WriteColumns(IReadOnlyList<Column> columns)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartArray();
            foreach (var column in columns)
            {
                json.WriteStringValue(column.Name);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One row as an object; false (and the row abandoned) once it would take more than <paramref name="room"/> bytes.</summary>
    private static bool WriteRow(Utf8JsonWriter json, ArrayBufferWriter<byte> row, DbDataReader reader, IReadOnlyList<Column> columns, long room)
    {
        json.WriteStartObject();
        for (var i = 0; i < columns.Count; i++)
        {
            json.WritePropertyName(columns[i].Name);
            if (reader.IsDBNull(i))
            {
                json.WriteNullValue();
                continue;
            }

            switch (columns[i].Rendering)
            {
                case Rendering.Text or Rendering.Number or Rendering.Json:
                    var text = reader.GetString(i);
                    // Text is cut by the engine one character past the cap, so it never exceeds it by much.
                    if (row.WrittenCount + json.BytesPending + Encoding.UTF8.GetByteCount(text) > room)
                    {
                        return false;
                    }

                    if (columns[i].Rendering == Rendering.Text)
                    {
                        json.WriteStringValue(text);
                    }
                    else
                    {
                        json.WriteRawValue(text, skipInputValidation: true);
                    }

                    break;
                case Rendering.Temporal:
                    json.WriteStringValue(IsoYear(reader.GetString(i)));
                    break;
                case Rendering.Interval:
                    json.WriteStringValue(IsoDuration(reader.GetFieldValue<DuckDB.NET.Native.DuckDBInterval>(i)));
                    break;
                default:
                    ValueJsonWriter.Write(json, reader.GetValue(i));
                    break;
            }

            json.Flush();
            if (row.WrittenCount > room)
            {
                return false;
            }
        }

        json.WriteEndObject();
        json.Flush();
        return row.WrittenCount <= room;
    }

    private static Rendering RenderingOf(string type)
    {
        var upper = type.ToUpperInvariant();
        if (upper is "BOOLEAN" or "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "FLOAT" or "DOUBLE")
        {
            return Rendering.Native;
        }

        if (upper.StartsWith("DECIMAL(", StringComparison.Ordinal))
        {
            // .NET's decimal holds 28 digits; wider ones are written from the engine's text.
            var width = int.Parse(upper.AsSpan(8, upper.IndexOf(',', StringComparison.Ordinal) - 8), CultureInfo.InvariantCulture);
            return width <= 28 ? Rendering.Native : Rendering.Number;
        }

        if (upper is "HUGEINT" or "UHUGEINT" or "BIGNUM" or "VARINT")
        {
            return Rendering.Number;
        }

        if (upper == "INTERVAL")
        {
            return Rendering.Interval;
        }

        if (upper == "DATE" || upper.StartsWith("TIMESTAMP", StringComparison.Ordinal))
        {
            return Rendering.Temporal;
        }

        if (upper == "JSON" || upper.EndsWith(']') || upper.StartsWith("STRUCT(", StringComparison.Ordinal) || upper.StartsWith("MAP(", StringComparison.Ordinal) || upper.StartsWith("UNION(", StringComparison.Ordinal))
        {
            return Rendering.Json;
        }

        return Rendering.Text;
    }

    private static string Expression(Column column, string value, string cut)
    {
        var upper = column.Type.ToUpperInvariant();
        return column.Rendering switch
        {
            Rendering.Native or Rendering.Interval => value,
            Rendering.Number => $"CAST({value} AS VARCHAR)",
            Rendering.Json when upper == "JSON" => $"left(CAST({value} AS VARCHAR), {cut})",
            Rendering.Json => $"left(CAST(to_json({value}) AS VARCHAR), {cut})",
            Rendering.Temporal when upper == "DATE" => $"strftime({value}, '%Y-%m-%d')",
            Rendering.Temporal => $"strftime({value}, '%Y-%m-%dT%H:%M:%S.%gZ')",
            _ when upper == "BLOB" => $"left(base64({value}), {cut})",
            _ when upper == "VARCHAR" => $"left({value}, {cut})",
            _ => $"left(CAST({value} AS VARCHAR), {cut})",
        };
    }

    /// <summary>
    /// An interval as ISO-8601 (<c>P1Y2M3DT4H5M6.5S</c>), each part carrying its own sign as PostgreSQL's
    /// <c>iso_8601</c> style writes mixed intervals (<c>P1M-1D</c>); zero is <c>PT0S</c>.
    /// </summary>
    internal static string IsoDuration(DuckDB.NET.Native.DuckDBInterval interval)
    {
        var text = new StringBuilder("P");
        var years = interval.Months / 12;
        var months = interval.Months % 12;
        Part(text, years, 'Y');
        Part(text, months, 'M');
        Part(text, interval.Days, 'D');
        var micros = unchecked((long)interval.Micros); // DuckDB.NET exposes the signed field as unsigned
        if (micros != 0)
        {
            text.Append('T');
            var hours = micros / 3_600_000_000L;
            micros -= hours * 3_600_000_000L;
            var minutes = micros / 60_000_000L;
            micros -= minutes * 60_000_000L;
            Part(text, hours, 'H');
            Part(text, minutes, 'M');
            if (micros != 0)
            {
                var seconds = micros / 1_000_000m;
                text.Append(seconds.ToString("0.######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.Length == 1 ? "PT0S" : text.ToString();
    }

    /// <summary>
    /// The engine writes years as plain numbers (<c>-2-04-07</c>, <c>294247-01-10</c>); ISO-8601 wants four digits at
    /// least and a sign on years past 9999 (<c>-0002-04-07</c>, <c>+294247-01-10</c>). Infinities stay as written.
    /// </summary>
    internal static string IsoYear(string text)
    {
        var negative = text.StartsWith('-');
        var dash = text.IndexOf('-', negative ? 1 : 0);
        if (dash < 0)
        {
            return text; // infinity, -infinity
        }

        var year = text[(negative ? 1 : 0)..dash];
        var sign = negative ? "-" : year.Length > 4 ? "+" : "";
        return year.Length >= 4 && sign.Length == 0 ? text : sign + year.PadLeft(4, '0') + text[dash..];
    }

    private static void Part(StringBuilder text, long value, char unit)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
