using System.Globalization;
using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols.Loki;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// Loki's push API into native events, from JSON (<c>{"streams":[{"stream":{labels},"values":[["ns","line",{metadata}]]}]}</c>)
/// or snappy-compressed protobuf (PushRequest). Each entry is one event: the line is the message, the nanosecond
/// timestamp its time. Labels: <c>service_name</c>, <c>service</c>, <c>app</c>, <c>application</c> or <c>job</c> →
/// service (first present); <c>level</c>, <c>severity</c>, <c>detected_level</c> or <c>lvl</c> → level;
/// <c>host</c> or <c>hostname</c> → host; the rest → attributes. Structured metadata → attributes, except trace and
/// span ids, which become <c>trace_id</c> and <c>span_id</c>. A line that is a JSON object with a message
/// (pino-loki's) is unpacked (<see cref="StructuredLine"/>): its message, level and time win over the entry's
/// timestamp and the level label; labels keep service and host; its other properties are attributes and win over
/// labels and metadata of the same name.
/// </summary>
public static class LokiTranslator
{
    private static readonly string[] ServiceLabels = ["service_name", "service", "app", "application", "job"];
    private static readonly string[] LevelLabels = ["level", "severity", "detected_level", "lvl"];
    private static readonly string[] HostLabels = ["host", "hostname"];

    /// <summary>Snappy's largest possible expansion is 64/3 (a copy element); 32 leaves a margin.</summary>
    private const int MaxSnappyRatio = 32;

    public static Translation TranslateJson(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadJson);

    private static void ReadJson(ReadOnlySpan<byte> body, Translation translation)
    {
        using var document = translation.ParseJsonBody(body);
        if (document is null)
        {
            return;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("streams", out var streams) || streams.ValueKind != JsonValueKind.Array)
        {
            translation.Fatal = new FieldError(ErrorCodes.MissingField, "streams", "the body needs a 'streams' array");
            return;
        }

        var record = 0;
        foreach (var stream in streams.EnumerateArray())
        {
            if (stream.ValueKind != JsonValueKind.Object || !stream.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            List<(string, string)>? labels = null;
            foreach (var value in values.EnumerateArray())
            {
                if (!translation.Admit(record))
                {
                    return;
                }

                try
                {
                    labels ??= Labels(stream);
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2 || value[0].ValueKind != JsonValueKind.String || value[1].ValueKind != JsonValueKind.String
                        || !long.TryParse(value[0].GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ns))
                    {
                        translation.Reject(record++, new FieldError(ErrorCodes.InvalidValue, "values", "each value must be [\"<unix ns>\", \"<line>\"] or with a metadata object third"));
                        continue;
                    }

                    var metadata = value.GetArrayLength() > 2 && value[2].ValueKind == JsonValueKind.Object
                        ? value[2].EnumerateObject().Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())).ToList()
                        : [];
                    Write(translation, labels, ns, value[1].GetString()!, metadata);
                    translation.EndEvent(record++);
                }
                catch (InvalidOperationException)
                {
                    translation.RejectUnreadable(record++);
                }
            }
        }

        translation.Records = record;
    }

    private static List<(string, string)> Labels(JsonElement stream) =>
        stream.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.Object
            ? [.. s.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))]
            : [];

    /// <summary>
    /// Snappy, then one stream and one entry at a time (PushRequest.streams = 1; StreamAdapter.labels = 1,
    /// .entries = 2), so limits apply before the whole push exists as objects.
    /// </summary>
    public static Translation TranslateProtobuf(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadProtobuf);

    private static void ReadProtobuf(ReadOnlySpan<byte> body, Translation translation)
    {
        var record = 0;
        try
        {
            // The block's own length header decides the allocation: check it before trusting it.
            var length = Snappier.Snappy.GetUncompressedLength(body);
            if (length > translation.Limits.MaxBodyBytes)
            {
                translation.RefuseTooLarge(new FieldError(ErrorCodes.BodyTooLarge, null, $"the push decompresses to {length} bytes, more than {translation.Limits.MaxBodyBytes} (Limits:MaxBodyBytes)"));
                return;
            }

            // Snappy cannot grow data more than about 21 times (a 3-byte copy of 64 bytes): a header that claims
            // more is a lie, and is refused before its claim is allocated.
            if (length > (MaxSnappyRatio * (long)body.Length) + 64)
            {
                translation.Fatal = new FieldError(ErrorCodes.MalformedBody, null, $"the snappy header claims {length} bytes, more than {body.Length} compressed bytes can hold");
                return;
            }

            translation.Hold(length);
            translation.AllowFor(length);
            var raw = Snappier.Snappy.DecompressToArray(body);
            var push = new WireReader(raw);
            while (translation.Fatal is null && push.Next(out var field, out var stream))
            {
                if (field == 1)
                {
                    record = ReadStream(translation, stream, record);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or Google.Protobuf.InvalidProtocolBufferException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            translation.AbandonEvent();
            translation.Fatal ??= new FieldError(ErrorCodes.MalformedBody, null, $"the body is not a snappy-compressed Loki PushRequest (protobuf): it breaks at or after entry {record}");
        }

        translation.Records = record;
    }

    private static int ReadStream(Translation translation, ReadOnlySpan<byte> stream, int record)
    {
        var text = "";
        var reader = new WireReader(stream);
        while (reader.Next(out var field, out var value))
        {
            if (field == 1)
            {
                text = System.Text.Encoding.UTF8.GetString(value);
            }
        }

        var parsed = TryParseLabels(text, out var labels);
        var entries = new WireReader(stream);
        while (entries.Next(out var field, out var value))
        {
            if (field != 2)
            {
                continue;
            }

            if (!translation.Admit(record))
            {
                return record;
            }

            if (!parsed)
            {
                translation.Reject(record++, new FieldError(ErrorCodes.InvalidValue, "labels", $"the stream labels '{text}' are not a Prometheus label set"));
                continue;
            }

            var entry = EntryAdapter.Parser.ParseFrom(value);
            var seconds = entry.Timestamp?.Seconds ?? 0;
            var nanos = entry.Timestamp?.Nanos ?? 0;
            if (seconds is < 0 or > 9_000_000_000 || nanos is < 0 or >= 1_000_000_000)
            {
                translation.Reject(record++, new FieldError(ErrorCodes.InvalidValue, "timestamp", $"the timestamp {seconds}s {nanos}ns is out of range"));
                continue;
            }

            Write(translation, labels, (seconds * 1_000_000_000L) + nanos, entry.Line, [.. entry.StructuredMetadata.Select(m => (m.Name, m.Value))]);
            translation.EndEvent(record++);
            if (translation.Fatal is not null)
            {
                return record;
            }
        }

        return record;
    }

    /// <summary>Parses <c>{name="value", …}</c> with Prometheus escapes (<c>\\</c>, <c>\"</c>, <c>\n</c>).</summary>
    public static bool TryParseLabels(string text, out List<(string Name, string Value)> labels)
    {
        labels = [];
        var s = text.AsSpan().Trim();
        if (s.Length < 2 || s[0] != '{' || s[^1] != '}')
        {
            return false;
        }

        s = s[1..^1].Trim();
        while (!s.IsEmpty)
        {
            var eq = s.IndexOf('=');
            if (eq <= 0)
            {
                return false;
            }

            var name = s[..eq].Trim().ToString();
            s = s[(eq + 1)..].TrimStart();
            if (s.IsEmpty || s[0] != '"')
            {
                return false;
            }

            var value = new System.Text.StringBuilder();
            var i = 1;
            for (; i < s.Length && s[i] != '"'; i++)
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                    value.Append(s[i] == 'n' ? '\n' : s[i]);
                }
                else
                {
                    value.Append(s[i]);
                }
            }

            if (i >= s.Length || name.Length == 0)
            {
                return false;
            }

            labels.Add((name, value.ToString()));
            s = s[(i + 1)..].TrimStart();
            if (!s.IsEmpty)
            {
                if (s[0] != ',')
                {
                    return false;
                }

                s = s[1..].TrimStart();
            }
        }

        return true;
    }

    private static void Write(Translation translation, List<(string Name, string Value)> labels, long ns, string line, List<(string Name, string Value)> metadata)
    {
        var json = translation.Writer;
        using var structured = StructuredLine.TryRead(line, translation.Limits);
        json.WriteStartObject();
        if (structured?.TimestampMs is { } ms)
        {
            json.WriteNumber("timestamp", ms);
        }
        else
        {
            json.WriteNumber("timestamp", ns);
        }

        json.WriteString("message", structured?.Message ?? (line.Length == 0 ? "(empty line)" : line));
        var used = new HashSet<string>(StringComparer.Ordinal);
        Canonical(json, labels, ServiceLabels, "service", used);
        Canonical(json, labels, HostLabels, "host", used);
        var level = labels.FirstOrDefault(l => LevelLabels.Contains(l.Name));
        if (structured?.Level is { } own)
        {
            json.WriteString("level", Levels.Name(own));
            if (level.Name is not null)
            {
                used.Add(level.Name); // the line's own level wins over the stream's level label
            }
        }
        else if (level.Name is not null && OtlpTranslator.LevelOf(level.Value) is { } mapped)
        {
            json.WriteString("level", mapped);
            used.Add(level.Name);
        }

        foreach (var (name, value) in metadata)
        {
            var field = name switch
            {
                "trace_id" or "traceID" or "traceId" => "trace_id",
                "span_id" or "spanID" or "spanId" => "span_id",
                _ => null,
            };
            if (field is not null)
            {
                json.WriteString(field, value);
                used.Add(name);
            }
        }

        json.WriteStartObject("attributes");
        foreach (var (name, value) in labels.Concat(metadata))
        {
            // A line's own property of the same name wins over a label or metadata entry.
            if (!used.Contains(name) && structured?.Names.Contains(name) != true)
            {
                json.WriteString(name, value);
            }
        }

        structured?.WriteAttributes(json);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Canonical(Utf8JsonWriter json, List<(string Name, string Value)> labels, string[] names, string field, HashSet<string> used)
    {
        foreach (var name in names)
        {
            var label = labels.FirstOrDefault(l => l.Name == name);
            if (label.Name is not null)
            {
                json.WriteString(field, label.Value);
                used.Add(name);
                return;
            }
        }
    }
}
