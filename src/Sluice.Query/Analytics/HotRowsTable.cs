using System.Text;
using DuckDB.NET.Data;
using Sluice.Core.Events;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Rows not yet in any part, copied into a temporary table of the query's connection with the values a part would
/// give them — only in the columns the statement reads — so one SQL statement reads memory and parts alike.
/// </summary>
public static class HotRowsTable
{
    public const string Name = "hot_rows";

    /// <summary>Index of the first canonical field among <see cref="PartSchema.ColumnNames"/> (after seq, timestamp, kind, level).</summary>
    private const int FirstField = 4;

    private static readonly int[] ColumnOfTag = BuildColumnOfTag();

    /// <summary>The definitions of the included columns, for CREATE TABLE.</summary>
    public static string ColumnDefinitions(Func<string, string> identifier, bool[] include) =>
        string.Join(", ", PartSchema.ColumnNames.Select((name, i) => (name, i)).Where(c => include[c.i]).Select(c => $"{identifier(c.name)} {SqlType(c.i)}"));

    /// <summary>The SELECT list that gives the table every column of a part, NULL where a column was left out.</summary>
    public static string SelectList(Func<string, string> identifier, bool[] include) =>
        string.Join(", ", PartSchema.ColumnNames.Select((name, i) => include[i] ? identifier(name) : $"CAST(NULL AS {SqlType(i)}) AS {identifier(name)}"));

    /// <summary>
    /// Appends rows; each is decoded once into the part's column order. Only the columns <paramref name="include"/>
    /// marks (by <see cref="PartSchema.ColumnNames"/> index) get values, the rest stay NULL: copying a value costs far
    /// more than the query reading it, and a statement reads only the columns it names.
    /// </summary>
    public static void Append(DuckDBAppender appender, IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> rows, bool[] include)
    {
        var fields = PartSchema.Fields;
        var withAttributes = include[^1];
        var withFields = include.AsSpan(FirstField).Contains(true);
        var values = new object?[fields.Length];
        var json = new AttributeJson();
        foreach (var (memory, seq) in rows)
        {
            Array.Clear(values);
            var reader = new RowReader(memory.Span);
            // seq, timestamp, kind and level come from the row header: most aggregations decode nothing else.
            while (withFields && reader.MoveNext())
            {
                if (reader.Tag == FieldTag.Attribute)
                {
                    if (withAttributes)
                    {
                        json.Add(reader.Key, reader.Value);
                    }

                    continue;
                }

                var column = ColumnOfTag[(int)reader.Tag];
                if (!include[FirstField + column])
                {
                    continue;
                }

                values[column] ??= fields[column].Type switch
                {
                    FieldType.Integer => reader.Integer,
                    FieldType.Boolean => reader.Integer != 0,
                    _ => Encoding.UTF8.GetString(reader.Value),
                };
            }

            var attributeJson = json.Finish();

            var row = appender.CreateRow().AppendValue(seq).AppendValue(reader.Timestamp);
            if (include[2])
            {
                row.AppendValue(PartSchema.KindName(reader.Kind));
            }

            if (include[3])
            {
                row.AppendValue(Levels.Name(reader.Level));
            }

            for (var i = 0; i < values.Length; i++)
            {
                if (include[FirstField + i])
                {
                    row = values[i] switch
                    {
                        long n => row.AppendValue(n),
                        bool b => row.AppendValue(b),
                        string text => row.AppendValue(text),
                        _ => row.AppendNullValue(),
                    };
                }
            }

            if (withAttributes)
            {
                row.AppendValue(attributeJson);
            }

            row.EndRow();
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
