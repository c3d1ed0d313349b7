using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Sluice.Core.Events;

namespace Sluice.Server.Mirror;

/// <summary>
/// Seq's CLEF (<c>/api/events/raw?clef</c>): one object per line with <c>@t</c>, <c>@m</c>, <c>@l</c> (Seq's level
/// names), <c>@x</c>, <c>@tr</c>, <c>@sp</c>; service, host and category as Seq's <c>Application</c>,
/// <c>MachineName</c> and <c>SourceContext</c>; the event id as the property <c>id</c> (not <c>@i</c>, which Seq
/// reads as an event type); every other field and attribute as a property (a name starting with '@' as '@@').
/// CLEF has no event id a receiver dedups by: a resend is only recognised by a receiver's content window.
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
            else if (reader.Tag != FieldTag.Message && MirrorRow.IsForwarded(reader.Tag))
            {
                var field = FieldCatalog.Get(reader.Tag);
                MirrorRow.WriteField(json, ClefNames.GetValueOrDefault(reader.Tag) ?? field.Utf8Name, reader, field.Type);
            }
        }

        json.WriteEndObject();
    }
}
