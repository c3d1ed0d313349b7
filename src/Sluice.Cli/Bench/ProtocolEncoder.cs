using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Sluice.Ingest.Protocols.Loki;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Cli.Bench;

/// <summary>
/// Re-encodes a batch of native NDJSON events in a standard protocol, the way its usual client would send them,
/// so that <c>bench ingest --protocol</c> measures each receiver on the same events. Encoding happens before the
/// clock starts.
/// </summary>
public static class ProtocolEncoder
{
    public static readonly string[] Names = ["native", "otlp", "otlp-json", "clef", "loki", "loki-json", "bulk", "syslog"];

    /// <summary>The body, its content type and the path to post it to.</summary>
    public static (byte[] Body, string ContentType, string Path) Encode(string protocol, byte[] ndjson, string nativePath) => protocol switch
    {
        "native" => (ndjson, "application/x-ndjson", nativePath),
        "otlp" => (Otlp(Events(ndjson)).ToByteArray(), "application/x-protobuf", "/v1/logs"),
        "otlp-json" => (Encoding.UTF8.GetBytes(OtlpJson(Otlp(Events(ndjson)))), "application/json", "/v1/logs"),
        "clef" => (Clef(Events(ndjson)), "application/vnd.serilog.clef", "/ingest/clef"),
        "loki" => (Snappier.Snappy.CompressToArray(Loki(Events(ndjson)).ToByteArray()), "application/x-protobuf", "/loki/api/v1/push"),
        "loki-json" => (LokiJson(Events(ndjson)), "application/json", "/loki/api/v1/push"),
        "bulk" => (Bulk(Events(ndjson)), "application/x-ndjson", "/_bulk"),
        "syslog" => (Syslog(Events(ndjson)), "", ""),
        _ => throw new ArgumentException($"unknown protocol '{protocol}'; use one of {string.Join(", ", Names)}"),
    };

    private static List<JsonElement> Events(byte[] ndjson) =>
        [.. Encoding.UTF8.GetString(ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static long Millis(JsonElement e) => e.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : 0;

    private static ExportLogsServiceRequest Otlp(List<JsonElement> events)
    {
        var request = new ExportLogsServiceRequest();
        foreach (var group in events.GroupBy(e => Text(e, "service")))
        {
            var resource = new ResourceLogs { Resource = new Resource() };
            resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = group.Key } });
            var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "bench" } };
            foreach (var e in group)
            {
                var record = new LogRecord
                {
                    TimeUnixNano = (ulong)Millis(e) * 1_000_000,
                    SeverityNumber = Text(e, "level") switch { "debug" => 5, "warn" => 13, "error" => 17, "fatal" => 21, _ => 9 },
                    Body = new AnyValue { StringValue = Text(e, "message") },
                };
                if (Text(e, "trace_id") is { Length: 32 } trace)
                {
                    record.TraceId = ByteString.CopyFrom(Convert.FromHexString(trace));
                }

                foreach (var p in e.EnumerateObject().Where(p => p.Name is not ("timestamp" or "level" or "message" or "service" or "trace_id" or "span_id")))
                {
                    record.Attributes.Add(new KeyValue { Key = p.Name, Value = p.Value.ValueKind switch
                    {
                        JsonValueKind.Number => new AnyValue { IntValue = p.Value.TryGetInt64(out var n) ? n : 0 },
                        JsonValueKind.True or JsonValueKind.False => new AnyValue { BoolValue = p.Value.GetBoolean() },
                        JsonValueKind.String => new AnyValue { StringValue = p.Value.GetString() },
                        _ => new AnyValue { StringValue = p.Value.GetRawText() },
                    } });
                }

                scope.LogRecords.Add(record);
            }

            resource.ScopeLogs.Add(scope);
            request.ResourceLogs.Add(resource);
        }

        return request;
    }

    /// <summary>OTLP/JSON: protobuf's JSON mapping, but trace and span ids in hex as the OTLP spec requires.</summary>
    private static string OtlpJson(ExportLogsServiceRequest request) =>
        System.Text.RegularExpressions.Regex.Replace(JsonFormatter.Default.Format(request), "\"(traceId|spanId)\": \"([A-Za-z0-9+/=]*)\"",
            m => $"\"{m.Groups[1].Value}\": \"{Convert.ToHexStringLower(Convert.FromBase64String(m.Groups[2].Value))}\"");

    private static byte[] Clef(List<JsonElement> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var e in events)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("@t", DateTimeOffset.FromUnixTimeMilliseconds(Millis(e)).ToString("O", CultureInfo.InvariantCulture));
                json.WriteString("@m", Text(e, "message"));
                json.WriteString("@l", Text(e, "level") switch { "debug" => "Debug", "warn" => "Warning", "error" => "Error", "fatal" => "Fatal", _ => "Information" });
                foreach (var p in e.EnumerateObject().Where(p => p.Name is not ("timestamp" or "level" or "message")))
                {
                    json.WritePropertyName(p.Name switch { "trace_id" => "@tr", "span_id" => "@sp", "service" => "Application", _ => p.Name });
                    p.Value.WriteTo(json);
                }

                json.WriteEndObject();
            }

            System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static PushRequest Loki(List<JsonElement> events)
    {
        var push = new PushRequest();
        foreach (var group in events.GroupBy(e => (Text(e, "service"), Text(e, "level"))))
        {
            var stream = new StreamAdapter { Labels = $"{{service_name=\"{group.Key.Item1}\", level=\"{group.Key.Item2}\"}}" };
            foreach (var e in group)
            {
                var ms = Millis(e);
                var entry = new EntryAdapter { Timestamp = new Timestamp { Seconds = ms / 1000, Nanos = (int)(ms % 1000) * 1_000_000 }, Line = Text(e, "message") is { Length: > 0 } m ? m : e.GetRawText() };
                if (Text(e, "trace_id") is { Length: > 0 } trace)
                {
                    entry.StructuredMetadata.Add(new LabelPairAdapter { Name = "trace_id", Value = trace });
                }

                stream.Entries.Add(entry);
            }

            push.Streams.Add(stream);
        }

        return push;
    }

    private static byte[] LokiJson(List<JsonElement> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("streams");
            foreach (var stream in Loki(events).Streams)
            {
                json.WriteStartObject();
                json.WriteStartObject("stream");
                Sluice.Ingest.Protocols.LokiTranslator.TryParseLabels(stream.Labels, out var labels);
                foreach (var (name, value) in labels)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
                json.WriteStartArray("values");
                foreach (var entry in stream.Entries)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(((entry.Timestamp.Seconds * 1_000_000_000L) + entry.Timestamp.Nanos).ToString(CultureInfo.InvariantCulture));
                    json.WriteStringValue(entry.Line);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 5424 messages, octet-counted (RFC 6587) as rsyslog and syslog-ng send them over TCP.</summary>
    private static byte[] Syslog(List<JsonElement> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            var severity = Text(e, "level") switch { "debug" => 7, "warn" => 4, "error" => 3, "fatal" => 2, _ => 6 };
            var time = DateTimeOffset.FromUnixTimeMilliseconds(Millis(e)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var app = Text(e, "service") is { Length: > 0 } service ? service : "traffic";
            var trace = Text(e, "trace_id") is { Length: > 0 } t ? $"[trace id=\"{t}\"]" : "-";
            var message = $"<{(16 * 8) + severity}>1 {time} {(Text(e, "host") is { Length: > 0 } h ? h : "-")} {app} - - {trace} {(Text(e, "message") is { Length: > 0 } m ? m : e.GetRawText())}";
            text.Append(Encoding.UTF8.GetByteCount(message)).Append(' ').Append(message);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] Bulk(List<JsonElement> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append("{\"create\":{\"_index\":\"bench\"}}\n");
            var doc = e.GetRawText();
            text.Append("{\"@timestamp\":").Append(Millis(e).ToString(CultureInfo.InvariantCulture)).Append(',').Append(doc.AsSpan(1)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
