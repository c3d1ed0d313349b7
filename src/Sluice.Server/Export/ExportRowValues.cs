using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Server.Http;

namespace Sluice.Server.Export;

/// <summary>One row's values laid out by <see cref="ExportColumns"/>: what CSV and Parquet write.</summary>
internal sealed class ExportRowValues
{
    private readonly ArrayBufferWriter<byte> _attributes = new(1024);
    private readonly Utf8JsonWriter _json = new(Stream.Null, JsonOutput.Options);

    public string Id { get; private set; } = "";

    public long Timestamp { get; private set; }

    public string Kind { get; private set; } = "";

    public string Level { get; private set; } = "";

    /// <summary>Per <see cref="ExportColumns.Fields"/>: the text of a string field, null when absent.</summary>
    public string?[] Texts { get; } = new string?[ExportColumns.Fields.Length];

    /// <summary>Per <see cref="ExportColumns.Fields"/>: the value of an integer or boolean field (1/0), null when absent.</summary>
    public long?[] Numbers { get; } = new long?[ExportColumns.Fields.Length];

    /// <summary>The attributes as one JSON object, null when the event has none.</summary>
    public string? Attributes { get; private set; }

    public void Read(ReadOnlySpan<byte> row)
    {
        Array.Clear(Texts);
        Array.Clear(Numbers);
        var reader = new RowReader(row);
        Id = RowReader.TryGetString(row, FieldTag.Id, out var id) ? Encoding.UTF8.GetString(id) : "";
        Timestamp = reader.Timestamp;
        Kind = reader.Kind == EventKind.Traffic ? "traffic" : "log";
        Level = Encoding.UTF8.GetString(Levels.Utf8Name(reader.Level));
        var attributes = false;
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                attributes = true;
                continue;
            }

            var slot = (int)reader.Tag < ExportColumns.SlotOfTag.Length ? ExportColumns.SlotOfTag[(int)reader.Tag] : -1;
            if (slot < 0)
            {
                continue;
            }

            if (ExportColumns.Fields[slot].Type is FieldType.Integer or FieldType.Boolean)
            {
                Numbers[slot] = reader.Integer;
            }
            else
            {
                Texts[slot] = Encoding.UTF8.GetString(reader.Value);
            }
        }

        Attributes = null;
        if (attributes)
        {
            _attributes.ResetWrittenCount();
            _json.Reset(_attributes);
            _json.WriteStartObject();
            var attribute = new RowReader(row);
            while (attribute.MoveNext())
            {
                if (attribute.Tag == FieldTag.Attribute)
                {
                    _json.WriteString(attribute.Key, attribute.Value);
                }
            }

            _json.WriteEndObject();
            _json.Flush();
            Attributes = Encoding.UTF8.GetString(_attributes.WrittenSpan);
        }
    }

    /// <summary>The text of slot <paramref name="slot"/> as CSV writes it.</summary>
    public string? Text(int slot) => ExportColumns.Fields[slot].Type switch
    {
        FieldType.Integer => Numbers[slot]?.ToString(CultureInfo.InvariantCulture),
        FieldType.Boolean => Numbers[slot] is { } b ? (b != 0 ? "true" : "false") : null,
        _ => Texts[slot],
    };
}
