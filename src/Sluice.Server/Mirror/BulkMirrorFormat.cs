using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Query.Output;

namespace Sluice.Server.Mirror;

/// <summary>
/// Elasticsearch's <c>_bulk</c> API: a <c>create</c> action per event into index <c>sluice-log</c> or
/// <c>sluice-traffic</c> with the event id as <c>_id</c> (so Elasticsearch refuses a resend as a conflict, and a Sluice
/// receiver recognises it as a duplicate), then the document in ECS names where there are some (<c>@timestamp</c>,
/// <c>log.level</c>, <c>service.name</c>, <c>host.name</c>, <c>trace.id</c>, <c>span.id</c>,
/// <c>error.stack_trace</c>), the other fields under their own names and the attributes under <c>attributes</c>.
/// </summary>
internal sealed class BulkMirrorFormat : IMirrorFormat
{
    private static readonly Dictionary<FieldTag, byte[]> EcsNames = new()
    {
        [FieldTag.Service] = "service.name"u8.ToArray(),
        [FieldTag.Host] = "host.name"u8.ToArray(),
        [FieldTag.TraceId] = "trace.id"u8.ToArray(),
        [FieldTag.SpanId] = "span.id"u8.ToArray(),
        [FieldTag.StackTrace] = "error.stack_trace"u8.ToArray(),
    };

    public string Path => "/_bulk";

    public string ContentType => "application/x-ndjson";

    /// <summary>Elasticsearch takes <c>ApiKey</c>; <c>X-Api-Key</c> too, for a Sluice behind the same protocol.</summary>
    public void Authorize(HttpRequestHeaders headers, string apiKey)
    {
        headers.Authorization = new AuthenticationHeaderValue("ApiKey", apiKey);
        headers.Add("X-Api-Key", apiKey);
    }

    public void Encode(IReadOnlyList<ReadOnlyMemory<byte>> rows, IBufferWriter<byte> body)
    {
        foreach (var memory in rows)
        {
            var row = memory.Span;
            using (var action = new Utf8JsonWriter(body))
            {
                action.WriteStartObject();
                action.WriteStartObject("create"u8);
                action.WriteString("_index"u8, "sluice-" + MirrorRow.KindName(RowLayout.ReadKind(row)));
                if (RowReader.TryGetString(row, FieldTag.Id, out var id))
                {
                    action.WriteString("_id"u8, id);
                }

                action.WriteEndObject();
                action.WriteEndObject();
            }

            body.Write("\n"u8);
            using (var document = new Utf8JsonWriter(body))
            {
                WriteDocument(document, row);
            }

            body.Write("\n"u8);
        }
    }

    private static void WriteDocument(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        json.WriteStartObject();
        json.WriteString("@timestamp"u8, DateTimeOffset.FromUnixTimeMilliseconds(RowLayout.ReadTimestamp(row)).UtcDateTime);
        json.WriteString("log.level"u8, Levels.Utf8Name(RowLayout.ReadLevel(row)));
        json.WriteString("kind"u8, MirrorRow.KindName(RowLayout.ReadKind(row)));
        var reader = new RowReader(row);
        var attributes = false;
        while (reader.MoveNext())
        {
            attributes |= reader.Tag == FieldTag.Attribute;
            if (reader.Tag != FieldTag.Id && MirrorRow.IsForwarded(reader.Tag))
            {
                var field = FieldCatalog.Get(reader.Tag);
                MirrorRow.WriteField(json, EcsNames.GetValueOrDefault(reader.Tag) ?? field.Utf8Name, reader, field.Type);
            }
        }

        if (attributes)
        {
            EventJsonWriter.WriteAttributes(json, row);
        }

        json.WriteEndObject();
    }
}
