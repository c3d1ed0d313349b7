using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Sluice.Core.Events;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Rows not yet in any part, copied into a temporary table of the query's connection with the columns and values a
/// part would give them, so one SQL statement reads memory and parts alike.
/// </summary>
public static class HotRowsTable
{
    public const string Name = "hot_rows";

    private static readonly int[] ColumnOfTag = BuildColumnOfTag();

    /// <summary>The column definitions of a part, for CREATE TABLE.</summary>
    public static string ColumnDefinitions(Func<string, string> identifier) =>
        string.Join(", ", PartSchema.ColumnNames.Select((name, i) => $"{identifier(name)} {SqlType(i)}"));

    /// <summary>Appends rows; each is decoded once into the part's column order.</summary>
    public static void Append(DuckDBAppender appender, IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> rows)
    {
        var fields = PartSchema.Fields;
        var values = new object?[fields.Length];
        var json = new System.Buffers.ArrayBufferWriter<byte>(256);
        foreach (var (memory, seq) in rows)
        {
            Array.Clear(values);
            var reader = new RowReader(memory.Span);
            Utf8JsonWriter? attributes = null;
            while (reader.MoveNext())
            {
                if (reader.Tag == FieldTag.Attribute)
                {
                    if (attributes is null)
                    {
                        json.ResetWrittenCount();
                        attributes = new Utf8JsonWriter(json);
                        attributes.WriteStartObject();
                    }

                    attributes.WriteString(reader.Key, reader.Value);
                    continue;
                }

                var column = ColumnOfTag[(int)reader.Tag];
                values[column] ??= fields[column].Type switch
                {
                    FieldType.Integer => reader.Integer,
                    FieldType.Boolean => reader.Integer != 0,
                    _ => Encoding.UTF8.GetString(reader.Value),
                };
            }

            string? attributeJson = null;
            if (attributes is not null)
            {
                attributes.WriteEndObject();
                attributes.Dispose();
                attributeJson = Encoding.UTF8.GetString(json.WrittenSpan);
            }

            var row = appender.CreateRow()
                .AppendValue(seq)
                .AppendValue(reader.Timestamp)
                .AppendValue(PartLayout.KindName(reader.Kind))
                .AppendValue(Levels.Name(reader.Level));
            foreach (var value in values)
            {
                row = value switch
                {
                    long n => row.AppendValue(n),
                    bool b => row.AppendValue(b),
                    string s => row.AppendValue(s),
                    _ => row.AppendNullValue(),
                };
            }

            row.AppendValue(attributeJson).EndRow();
        }
    }

    private static int[] BuildColumnOfTag()
    {
        var columns = new int[(int)FieldTag.Attribute];
        for (var i = 0; i < PartSchema.Fields.Length; i++)
        {
            columns[(int)PartSchema.Fields[i].Tag] = i;
        }

        return columns;
    }

    private static string SqlType(int column)
    {
        if (column < 2)
        {
            return "BIGINT";
        }

        var field = column - 4;
        return field < 0 || field >= PartSchema.Fields.Length ? "VARCHAR" : PartSchema.Fields[field].Type switch
        {
            FieldType.Integer => "BIGINT",
            FieldType.Boolean => "BOOLEAN",
            _ => "VARCHAR",
        };
    }
}
