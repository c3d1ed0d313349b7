using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// OTLP logs (protobuf or JSON) into native events. Per record: time (else observed time) → timestamp; severity
/// number → level (else severity text), the text also kept as <c>severity_text</c>; a string body → message, a
/// structured body → message as JSON and its fields as <c>body.*</c> attributes; trace and span ids as hex;
/// <c>service.name</c> → service, <c>host.name</c> → host, the scope name → category; <c>exception.stacktrace</c>
/// → stack_trace and <c>{OriginalFormat}</c> (.NET's message template) → template; a body that is a message
/// template (<see cref="OtlpTemplate"/>) is rendered into the message; every other resource, scope and record
/// attribute is kept under its own key (record attributes win a clash).
/// </summary>
public static class OtlpTranslator
{
    /// <summary>
    /// Decodes one resource, one scope and one record at a time (field numbers: request.resource_logs = 1;
    /// resource_logs.resource = 1, .scope_logs = 2; scope_logs.scope = 1, .log_records = 2), so limits apply before
    /// the whole request exists as objects.
    /// </summary>
    public static Translation TranslateProtobuf(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadProtobuf);

    private static void ReadProtobuf(ReadOnlySpan<byte> body, Translation translation)
    {
        var record = 0;
        try
        {
            var request = new WireReader(body);
            while (translation.Fatal is null && request.Next(out var field, out var resourceLogs))
            {
                if (field != 1)
                {
                    continue;
                }

                var resource = Find(resourceLogs, 1) is { } r ? Resource.Parser.ParseFrom(r).Attributes : [];
                var scopes = new WireReader(resourceLogs);
                while (translation.Fatal is null && scopes.Next(out var scopeField, out var scopeLogs))
                {
                    if (scopeField != 2)
                    {
                        continue;
                    }

                    var scope = Find(scopeLogs, 1) is { } s ? InstrumentationScope.Parser.ParseFrom(s) : null;
                    var records = new WireReader(scopeLogs);
                    while (records.Next(out var recordField, out var logRecord))
                    {
                        if (recordField != 2)
                        {
                            continue;
                        }

                        if (!translation.Admit(record))
                        {
                            break;
                        }

                        WriteRecord(translation.Writer, resource, scope, LogRecord.Parser.ParseFrom(logRecord), MaxMessageBytes(translation));
                        translation.EndEvent(record++);
                    }
                }
            }
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            translation.AbandonEvent();
            translation.Fatal ??= new FieldError(ErrorCodes.MalformedBody, null, $"the body is not an OTLP ExportLogsServiceRequest (protobuf): it breaks at or after record {record}");
        }

        translation.Records = record;
    }

    public static Translation TranslateJson(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadJson);

    private static void ReadJson(ReadOnlySpan<byte> body, Translation translation)
    {
        using var document = translation.ParseJsonBody(body);
        if (document is null)
        {
            return;
        }

        var record = 0;
        try
        {
            foreach (var (resource, scope, log) in OtlpJson.Records(document.RootElement))
            {
                if (!translation.Admit(record))
                {
                    return;
                }

                if (log is null)
                {
                    translation.RejectUnreadable(record++);
                    continue;
                }

                WriteRecord(translation.Writer, resource, scope, log, MaxMessageBytes(translation));
                translation.EndEvent(record++);
                if (translation.Fatal is not null)
                {
                    return;
                }
            }

            translation.Records = record;
        }
        catch (OtlpJsonException e)
        {
            translation.AbandonEvent();
            translation.Fatal = new FieldError(ErrorCodes.MalformedJson, null, $"the body is not OTLP/JSON logs: record {record}: {e.Message}");
        }
    }

    /// <summary>The last occurrence of a length-delimited field (protobuf's rule for a repeated singular field).</summary>
    private static byte[]? Find(ReadOnlySpan<byte> message, int wanted)
    {
        byte[]? found = null;
        var reader = new WireReader(message);
        while (reader.Next(out var field, out var value))
        {
            if (field == wanted)
            {
                found = value.ToArray();
            }
        }

        return found;
    }

    /// <summary>A rendered message holds no more than a field may, nor more than the translation may still grow by.</summary>
    private static int MaxMessageBytes(Translation translation) => (int)Math.Min(translation.Limits.MaxFieldBytes, translation.Remaining);

    private static void WriteRecord(Utf8JsonWriter json, IEnumerable<KeyValue> resource, InstrumentationScope? scope, LogRecord log, int maxMessageBytes)
    {
        json.WriteStartObject();
        var time = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
        if (time != 0)
        {
            json.WriteNumber("timestamp", time);
        }

        if (log.SeverityNumber is > 0 and <= 24)
        {
            json.WriteNumber("severity_number", log.SeverityNumber);
        }
        else if (LevelOf(log.SeverityText) is { } level)
        {
            json.WriteString("level", level);
        }

        if (log.TraceId.Length > 0)
        {
            json.WriteString("trace_id", Convert.ToHexStringLower(log.TraceId.Span));
        }

        if (log.SpanId.Length > 0)
        {
            json.WriteString("span_id", Convert.ToHexStringLower(log.SpanId.Span));
        }

        var attributes = new Dictionary<string, AnyValue>(StringComparer.Ordinal);
        foreach (var kv in resource)
        {
            attributes[kv.Key] = kv.Value ?? new AnyValue();
        }

        foreach (var kv in scope?.Attributes ?? [])
        {
            attributes[kv.Key] = kv.Value ?? new AnyValue();
        }

        foreach (var kv in log.Attributes)
        {
            attributes[kv.Key] = kv.Value ?? new AnyValue();
        }

        Take(json, attributes, "service.name", "service");
        Take(json, attributes, "host.name", "host");
        Take(json, attributes, "exception.stacktrace", "stack_trace");
        var template = attributes.TryGetValue("{OriginalFormat}", out var format) && format.ValueCase == AnyValue.ValueOneofCase.StringValue ? format.StringValue : null;
        Take(json, attributes, "{OriginalFormat}", "template");
        if (!string.IsNullOrEmpty(scope?.Name))
        {
            json.WriteString("category", scope.Name);
        }

        WriteMessage(json, log, template, maxMessageBytes);
        json.WriteStartObject("attributes");
        if (!string.IsNullOrEmpty(scope?.Version))
        {
            json.WriteString("otel.scope.version", scope.Version);
        }

        if (log.SeverityText.Length > 0)
        {
            json.WriteString("severity_text", log.SeverityText);
        }

        if (log.ObservedTimeUnixNano != 0 && log.TimeUnixNano != 0)
        {
            json.WriteString("observed_time", Iso(log.ObservedTimeUnixNano));
        }

        if (log.EventName.Length > 0)
        {
            json.WriteString("event_name", log.EventName);
        }

        if (log.Flags != 0)
        {
            json.WriteNumber("otel.flags", log.Flags);
        }

        if (log.Body?.ValueCase == AnyValue.ValueOneofCase.KvlistValue)
        {
            json.WritePropertyName("body");
            WriteValue(json, log.Body);
        }

        foreach (var (key, value) in attributes)
        {
            json.WritePropertyName(key);
            WriteValue(json, value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, LogRecord log, string? template, int maxMessageBytes)
    {
        var message = log.Body?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => log.Body.StringValue,
            null or AnyValue.ValueOneofCase.None => null,
            _ => Render(log.Body),
        };
        if (OtlpTemplate.Rendered(message, template, log.Attributes, maxMessageBytes) is { } rendered)
        {
            if (template is null)
            {
                json.WriteString("template", message);
            }

            message = rendered;
        }

        json.WriteString("message", string.IsNullOrEmpty(message) ? (log.EventName.Length > 0 ? log.EventName : "(no message)") : message);
    }

    /// <summary>Moves an attribute to a canonical field when it is a string.</summary>
    private static void Take(Utf8JsonWriter json, Dictionary<string, AnyValue> attributes, string key, string field)
    {
        if (attributes.TryGetValue(key, out var value) && value.ValueCase == AnyValue.ValueOneofCase.StringValue)
        {
            json.WriteString(field, value.StringValue);
            attributes.Remove(key);
        }
    }

    private static void WriteValue(Utf8JsonWriter json, AnyValue value)
    {
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: json.WriteStringValue(value.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: json.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: json.WriteNumberValue(value.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue:
                if (double.IsFinite(value.DoubleValue))
                {
                    json.WriteNumberValue(value.DoubleValue);
                }
                else
                {
                    json.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case AnyValue.ValueOneofCase.BytesValue: json.WriteStringValue(Convert.ToBase64String(value.BytesValue.Span)); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var kv in value.KvlistValue.Values)
                {
                    json.WritePropertyName(kv.Key);
                    WriteValue(json, kv.Value ?? new AnyValue());
                }

                json.WriteEndObject();
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }

    internal static string Render(AnyValue value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteValue(json, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Iso(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    /// <summary>Common severity texts onto Sluice levels (used only when the severity number is unset).</summary>
    internal static string? LevelOf(string text) => text.ToLowerInvariant() switch
    {
        "trace" or "verbose" => "trace",
        "debug" => "debug",
        "info" or "information" or "notice" => "info",
        "warn" or "warning" => "warn",
        "error" or "err" => "error",
        "fatal" or "critical" or "crit" or "alert" or "emergency" or "emerg" => "fatal",
        _ => null,
    };
}
