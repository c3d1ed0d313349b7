using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Server.Mirror;

/// <summary>
/// Loki's push API (<c>/loki/api/v1/push</c>, JSON): one stream per service, level and kind (labels of low
/// cardinality, as Loki wants), each entry the event's nanosecond time, its message as the line (a traffic event
/// without one: method, path and status) and every other field and attribute as structured metadata. Loki has no
/// event id: the id travels as metadata, so a resend is only recognised by a receiver's content window.
/// </summary>
internal sealed class LokiMirrorFormat : IMirrorFormat
{
    public string Path => "/loki/api/v1/push";

    public string ContentType => "application/json";

    public void Encode(IReadOnlyList<ReadOnlyMemory<byte>> rows, IBufferWriter<byte> body)
    {
        var streams = new Dictionary<(string Service, string Level, string Kind), List<ReadOnlyMemory<byte>>>();
        foreach (var row in rows)
        {
            var span = row.Span;
            var service = RowReader.TryGetString(span, FieldTag.Service, out var s) ? Encoding.UTF8.GetString(s) : "";
            var key = (service, Levels.Name(RowLayout.ReadLevel(span)), MirrorRow.KindName(RowLayout.ReadKind(span)));
            if (!streams.TryGetValue(key, out var entries))
            {
                streams[key] = entries = [];
            }

            entries.Add(row);
        }

        using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteStartArray("streams"u8);
        foreach (var ((service, level, kind), entries) in streams)
        {
            json.WriteStartObject();
            json.WriteStartObject("stream"u8);
            if (service.Length > 0)
            {
                json.WriteString("service"u8, service);
            }

            json.WriteString("level"u8, level);
            json.WriteString("kind"u8, kind);
            json.WriteEndObject();
            json.WriteStartArray("values"u8);
            foreach (var entry in entries)
            {
                WriteEntry(json, entry.Span);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        json.WriteStartArray();
        json.WriteStringValue((RowLayout.ReadTimestamp(row) * 1_000_000L).ToString(CultureInfo.InvariantCulture));
        json.WriteStringValue(MirrorRow.Line(row));
        json.WriteStartObject();
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                json.WriteString(reader.Key, reader.Value);
            }
            else if (reader.Tag is not (FieldTag.Message or FieldTag.Service) && MirrorRow.IsForwarded(reader.Tag))
            {
                var field = FieldCatalog.Get(reader.Tag);
                json.WriteString(field.Utf8Name, MirrorRow.Text(reader, field.Type));
            }
        }

        json.WriteEndObject();
        json.WriteEndArray();
    }
}
