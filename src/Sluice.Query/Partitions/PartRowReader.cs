using System.Data.Common;
using System.Text;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Query.Search;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Partitions;

/// <summary>
/// Turns result rows of <see cref="PartSchema.ColumnNames"/> back into encoded rows, so events read from parts go
/// through the same JSON writer, filters and merge as hot rows.
/// </summary>
public sealed class PartRowReader : IDisposable
{
    private readonly EventBatchBuilder _builder = new(64 * 1024);
    private readonly List<(int Offset, int Length, long Timestamp, long Seq)> _rows = [];

    /// <summary>The SELECT list that <see cref="ReadAll"/> expects.</summary>
    public static string SelectList(Sql.ISqlDialect dialect) => string.Join(", ", PartSchema.ColumnNames.Select(dialect.Identifier));

    /// <summary>Whether <see cref="ReadAll"/> stopped at its byte cap with rows left unread.</summary>
    public bool CutByBytes { get; private set; }

    public void ReadAll(DbDataReader reader) => ReadAll(reader, CancellationToken.None);

    /// <summary>
    /// Reads every row, or rows until they hold <paramref name="maxBytes"/> (the row that passes it is the last);
    /// returns how many.
    /// </summary>
    public int ReadAll(DbDataReader reader, CancellationToken cancel, long maxBytes = long.MaxValue)
    {
        var count = 0;
        while (reader.Read())
        {
            cancel.ThrowIfCancellationRequested();
            if (_builder.RowBytes >= maxBytes)
            {
                CutByBytes = true;
                break;
            }

            count++;
            var start = _builder.RowBytes;
            _builder.BeginRow();
            var seq = reader.GetInt64(0);
            var timestamp = reader.GetInt64(1);
            var kind = reader.GetString(2) == "traffic" ? EventKind.Traffic : EventKind.Log;
            Levels.TryParse(Encoding.UTF8.GetBytes(reader.GetString(3)), out var level);
            for (var f = 0; f < PartSchema.Fields.Length; f++)
            {
                var column = 4 + f;
                if (reader.IsDBNull(column))
                {
                    continue;
                }

                var field = PartSchema.Fields[f];
                switch (field.Type)
                {
                    case FieldType.Integer: _builder.WriteInteger(field.Tag, reader.GetInt64(column)); break;
                    case FieldType.Boolean: _builder.WriteBoolean(field.Tag, reader.GetBoolean(column)); break;
                    default: _builder.WriteString(field.Tag, Encoding.UTF8.GetBytes(reader.GetString(column))); break;
                }
            }

            var attributes = 4 + PartSchema.Fields.Length;
            if (!reader.IsDBNull(attributes))
            {
                WriteAttributes(Encoding.UTF8.GetBytes(reader.GetString(attributes)));
            }

            _builder.EndRow(timestamp, kind, level);
            _rows.Add((start, _builder.RowBytes - start, timestamp, seq));
        }

        return count;
    }

    /// <summary>The rows read so far; valid until this reader is disposed.</summary>
    public List<EventRow> Rows()
    {
        var memory = _builder.Rows;
        return [.. _rows.Select(r => new EventRow(memory.Slice(r.Offset, r.Length), r.Timestamp, r.Seq))];
    }

    public void Dispose() => _builder.Dispose();

    private void WriteAttributes(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan.ToArray();
            reader.Read();
            var value = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan.ToArray();
            _builder.WriteAttribute(key, value);
        }
    }
}
