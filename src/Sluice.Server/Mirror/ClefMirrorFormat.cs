using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Server.Mirror;

/// <summary>
/// Seq's CLEF (<c>/api/events/raw?clef</c>): one object per line with <c>@t</c>, <c>@m</c>, <c>@l</c> (Seq's level
/// names), <c>@i</c> the event id, <c>@x</c>, <c>@tr</c>, <c>@sp</c>; service, host and category as Seq's
/// <c>Application</c>, <c>MachineName</c> and <c>SourceContext</c>; every other field and attribute as a property
/// (a name starting with '@' escaped as '@@').
/// </summary>
internal sealed class ClefMirrorFormat : IMirrorFormat
{
    private static readonly string[] SeqLevels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    private static readonly Dictionary<FieldTag, byte[]> ClefNames = new()
    {
        [FieldTag.StackTrace] = "@x"u8.ToArray(),
        [FieldTag.TraceId] = "@tr"u8.ToArray(),
        [FieldTag.SpanId] = "@sp"u8.ToArray(),
        [FieldTag.Service] = "Application"u8.ToArray(),
        [FieldTag.Host] = "MachineName"u8.ToArray(),
        [FieldTag.Category] = "SourceContext"u8.ToArray(),
    };

    public string Path => "/api/events/raw?clef";

    public string ContentType => "application/vnd.serilog.clef";

    public void Authorize(HttpRequestHeaders headers, string apiKey) => headers.Add("X-Seq-ApiKey", apiKey);

    public void Encode(IReadOnlyList<ReadOnlyMemory<byte>> rows, IBufferWriter<byte> body)
    {
        foreach (var memory in rows)
        {
            using (var json = new Utf8JsonWriter(body))
            {
                Write(json, memory.Span);
            }

            body.Write("\n"u8);
        }
    }

    private static void Write(Utf8JsonWriter json, ReadOnlySpan<byte> row)
    {
        json.WriteStartObject();
        json.WriteString("@t"u8, DateTimeOffset.FromUnixTimeMilliseconds(RowLayout.ReadTimestamp(row)).UtcDateTime);
        json.WriteString("@m"u8, MirrorRow.Line(row));
        json.WriteString("@l"u8, SeqLevels[(int)RowLayout.ReadLevel(row)]);
        if (RowReader.TryGetString(row, FieldTag.Id, out var id))
        {
            json.WriteString("@i"u8, id);
        }

        json.WriteString("kind"u8, MirrorRow.KindName(RowLayout.ReadKind(row)));
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.Attribute)
            {
                if (reader.Key.StartsWith("@"u8))
                {
                    json.WriteString("@" + System.Text.Encoding.UTF8.GetString(reader.Key), reader.Value);
                }
                else
                {
                    json.WriteString(reader.Key, reader.Value);
                }
            }
            else if (reader.Tag is not (FieldTag.Id or FieldTag.Message) && MirrorRow.IsForwarded(reader.Tag))
            {
                var field = FieldCatalog.Get(reader.Tag);
                MirrorRow.WriteField(json, ClefNames.GetValueOrDefault(reader.Tag) ?? field.Utf8Name, reader, field.Type);
            }
        }

        json.WriteEndObject();
    }
}
