using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Query.Output;

/// <summary>Writes an encoded row as the API's JSON event (DESIGN §4): bytes to bytes, no strings in between.</summary>
public static class EventJsonWriter
{
    public static void Write(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        var reader = new RowReader(row);
        json.WriteStartObject();
        if (RowReader.TryGetString(row, FieldTag.Id, out var id))
        {
            json.WriteString("id"u8, id);
        }

        json.WriteNumber("timestamp"u8, reader.Timestamp);
        json.WriteString("time"u8, DateTimeOffset.FromUnixTimeMilliseconds(reader.Timestamp).UtcDateTime);
        json.WriteString("kind"u8, reader.Kind == EventKind.Traffic ? "traffic"u8 : "log"u8);
        json.WriteString("level"u8, Levels.Utf8Name(reader.Level));

        var attributes = false;
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                attributes = true;
                continue;
            }

            if (reader.Tag == FieldTag.Id)
            {
                continue;
            }

            var info = FieldCatalog.Get(reader.Tag);
            switch (info.Type)
            {
                case FieldType.Integer:
                    json.WriteNumber(info.Utf8Name, reader.Integer);
                    break;
                case FieldType.Boolean:
                    json.WriteBoolean(info.Utf8Name, reader.Integer != 0);
                    break;
                default:
                    json.WriteString(info.Utf8Name, reader.Value);
                    break;
            }
        }

        if (attributes)
        {
            WriteAttributes(json, row);
        }

        json.WriteEndObject();
    }

    /// <summary>The row's attributes as the <c>attributes</c> object (values as their stored text).</summary>
    public static void WriteAttributes(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        json.WriteStartObject("attributes"u8);
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                json.WriteString(reader.Key, reader.Value);
            }
        }

        json.WriteEndObject();
    }
}
