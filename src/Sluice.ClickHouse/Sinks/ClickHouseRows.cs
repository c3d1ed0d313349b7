using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Storage.Partitions;

namespace Sluice.ClickHouse.Sinks;

/// <summary>
/// Encodes rows as ClickHouse <c>JSONEachRow</c> lines for <see cref="ClickHouseSchema"/>'s columns: the values a
/// sealed part holds (the attributes object built by the parts' own <see cref="AttributeJson"/>), plus the node and
/// the attribute arrays. Absent fields are left out, so ClickHouse stores NULL for them.
/// </summary>
internal sealed class ClickHouseRows
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly AttributeJson _attributes = new();
    private readonly byte[] _node;

    public ClickHouseRows(string node) => _node = System.Text.Encoding.UTF8.GetBytes(node);

    /// <summary>Appends one row with its sequence number as one line to <paramref name="output"/>.</summary>
    public void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> row, long seq)
    {
        using var json = new Utf8JsonWriter(output, Options);
        json.WriteStartObject();
        json.WriteString(ClickHouseSchema.Node, _node);
        json.WriteNumber(PartSchema.Seq, seq);
        json.WriteNumber(PartSchema.Timestamp, RowLayout.ReadTimestamp(row));
        json.WriteString(PartSchema.Kind, PartSchema.KindName(RowLayout.ReadKind(row)));
        json.WriteString(PartSchema.Level, Levels.Utf8Name(RowLayout.ReadLevel(row)));
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                _attributes.Add(reader.Key, reader.Value);
                continue;
            }

            var field = FieldCatalog.Get(reader.Tag);
            switch (field.Type)
            {
                case FieldType.Integer:
                    json.WriteNumber(field.Utf8Name, reader.Integer);
                    break;
                case FieldType.Boolean:
                    json.WriteNumber(field.Utf8Name, reader.Integer != 0 ? 1 : 0);
                    break;
                default:
                    json.WriteString(field.Utf8Name, reader.Value);
                    break;
            }
        }

        if (_attributes.TryFinish(out var attributes))
        {
            json.WriteString(PartSchema.Attributes, attributes);
            WriteAttributes(json, row, ClickHouseSchema.AttributeKeys, keys: true);
            WriteAttributes(json, row, ClickHouseSchema.AttributeValues, keys: false);
        }

        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>The attributes' keys or values as an array, in row order (a second walk of the row: no copies).</summary>
    private static void WriteAttributes(Utf8JsonWriter json, ReadOnlySpan<byte> row, string name, bool keys)
    {
        json.WriteStartArray(name);
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                json.WriteStringValue(keys ? reader.Key : reader.Value);
            }
        }

        json.WriteEndArray();
    }
}
