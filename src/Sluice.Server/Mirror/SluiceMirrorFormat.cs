using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Query.Output;

namespace Sluice.Server.Mirror;

/// <summary>
/// Another Sluice: NDJSON to <c>/api/ingest</c>, one native event per line with the stored id, timestamp (ms),
/// kind, level, canonical fields and attributes, so the receiver stores the same event — and, the id being the
/// client's, its duplicate window lets a resend go. <c>ip_hash</c> is sent as stored: a value of the hash's shape is
/// kept as it is by the receiver, so no raw address ever leaves the node.
/// </summary>
internal sealed class SluiceMirrorFormat : IMirrorFormat
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public string Path => "/api/ingest";

    public string ContentType => "application/x-ndjson";

    public void Encode(IReadOnlyList<ReadOnlyMemory<byte>> rows, IBufferWriter<byte> body)
    {
        foreach (var row in rows)
        {
            using (var json = new Utf8JsonWriter(body, Options))
            {
                Write(json, row.Span);
            }

            body.Write("\n"u8);
        }
    }

    private static void Write(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        json.WriteStartObject();
        if (RowReader.TryGetString(row, FieldTag.Id, out var id))
        {
            json.WriteString("id"u8, id);
        }

        json.WriteNumber("timestamp"u8, RowLayout.ReadTimestamp(row));
        json.WriteString("kind"u8, MirrorRow.KindName(RowLayout.ReadKind(row)));
        json.WriteString("level"u8, Levels.Utf8Name(RowLayout.ReadLevel(row)));
        var reader = new RowReader(row);
        var attributes = false;
        while (reader.MoveNext())
        {
            attributes |= reader.Tag == FieldTag.Attribute;
            if (reader.Tag != FieldTag.Id && MirrorRow.IsForwarded(reader.Tag))
            {
                var field = FieldCatalog.Get(reader.Tag);
                MirrorRow.WriteField(json, field.Utf8Name, reader, field.Type);
            }
        }

        if (attributes)
        {
            // Stored attribute values are text (numbers and arrays as their JSON text): sent as strings, stored alike.
            EventJsonWriter.WriteAttributes(json, row);
        }

        json.WriteEndObject();
    }
}
