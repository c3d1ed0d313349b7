using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// OTLP/JSON into the OTLP messages. Written by hand rather than with protobuf's JSON parser because OTLP/JSON
/// differs from the canonical mapping: trace and span ids are hex, not base64. Field names are read in
/// lowerCamelCase and in their proto spelling; 64-bit integers as strings or numbers; unknown fields are ignored.
/// </summary>
internal static class OtlpJson
{
    /// <summary>The request, or null when it holds more than <paramref name="maxRecords"/> records (checked as they are read).</summary>
    public static ExportLogsServiceRequest? Request(JsonElement root, int maxRecords)
    {
        var request = new ExportLogsServiceRequest();
        var records = 0;
        foreach (var rl in Array(root, "resourceLogs", "resource_logs"))
        {
            var resourceLogs = new ResourceLogs();
            if (Get(rl, "resource", "resource") is { ValueKind: JsonValueKind.Object } resource)
            {
                resourceLogs.Resource = new Resource();
                resourceLogs.Resource.Attributes.AddRange(KeyValues(resource));
            }

            foreach (var sl in Array(rl, "scopeLogs", "scope_logs"))
            {
                var scopeLogs = new ScopeLogs();
                if (Get(sl, "scope", "scope") is { ValueKind: JsonValueKind.Object } scope)
                {
                    scopeLogs.Scope = new InstrumentationScope { Name = String(scope, "name"), Version = String(scope, "version") };
                    scopeLogs.Scope.Attributes.AddRange(KeyValues(scope));
                }

                foreach (var lr in Array(sl, "logRecords", "log_records"))
                {
                    if (++records > maxRecords)
                    {
                        return null;
                    }

                    scopeLogs.LogRecords.Add(Record(lr));
                }

                resourceLogs.ScopeLogs.Add(scopeLogs);
            }

            request.ResourceLogs.Add(resourceLogs);
        }

        return request;
    }

    private static LogRecord Record(JsonElement e)
    {
        var record = new LogRecord
        {
            TimeUnixNano = UInt64(Get(e, "timeUnixNano", "time_unix_nano")),
            ObservedTimeUnixNano = UInt64(Get(e, "observedTimeUnixNano", "observed_time_unix_nano")),
            SeverityNumber = (int)Int64(Get(e, "severityNumber", "severity_number")),
            SeverityText = String(e, "severityText", "severity_text"),
            EventName = String(e, "eventName", "event_name"),
            Flags = (uint)Int64(Get(e, "flags", "flags")),
            TraceId = Hex(String(e, "traceId", "trace_id")),
            SpanId = Hex(String(e, "spanId", "span_id")),
        };
        if (Get(e, "body", "body") is { ValueKind: JsonValueKind.Object } body)
        {
            record.Body = Value(body);
        }

        record.Attributes.AddRange(KeyValues(e));
        return record;
    }

    private static IEnumerable<KeyValue> KeyValues(JsonElement owner) =>
        Array(owner, "attributes", "attributes").Select(KeyValue);

    private static KeyValue KeyValue(JsonElement kv) => new()
    {
        Key = String(kv, "key"),
        Value = Get(kv, "value", "value") is { ValueKind: JsonValueKind.Object } v ? Value(v) : new AnyValue(),
    };

    private static AnyValue Value(JsonElement v)
    {
        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "stringValue" or "string_value": return new AnyValue { StringValue = p.Value.GetString() ?? "" };
                case "boolValue" or "bool_value": return new AnyValue { BoolValue = p.Value.GetBoolean() };
                case "intValue" or "int_value": return new AnyValue { IntValue = Int64(p.Value) };
                case "doubleValue" or "double_value": return new AnyValue { DoubleValue = Double(p.Value) };
                case "bytesValue" or "bytes_value": return new AnyValue { BytesValue = ByteString.FromBase64(p.Value.GetString() ?? "") };
                case "arrayValue" or "array_value":
                    var array = new ArrayValue();
                    array.Values.AddRange(Array(p.Value, "values", "values").Select(Value));
                    return new AnyValue { ArrayValue = array };
                case "kvlistValue" or "kvlist_value":
                    var list = new KeyValueList();
                    list.Values.AddRange(Array(p.Value, "values", "values").Select(KeyValue));
                    return new AnyValue { KvlistValue = list };
            }
        }

        return new AnyValue();
    }

    private static JsonElement? Get(JsonElement owner, string camel, string snake) =>
        owner.ValueKind == JsonValueKind.Object && (owner.TryGetProperty(camel, out var v) || owner.TryGetProperty(snake, out v)) ? v : null;

    private static IEnumerable<JsonElement> Array(JsonElement owner, string camel, string snake) =>
        Get(owner, camel, snake) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    private static string String(JsonElement owner, string camel, string? snake = null) =>
        Get(owner, camel, snake ?? camel) is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";

    private static ulong UInt64(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s => ulong.Parse(s.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture),
        { ValueKind: JsonValueKind.Number } n => n.GetUInt64(),
        _ => 0,
    };

    private static long Int64(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s => long.Parse(s.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        { ValueKind: JsonValueKind.Number } n => n.GetInt64(),
        _ => 0,
    };

    private static double Double(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : value.GetDouble();

    /// <summary>
    /// Ids in hex, as OTLP/JSON requires; base64 (what a generic protobuf JSON encoder writes) is read too when it
    /// decodes to an id's length, since some exporters send that.
    /// </summary>
    private static ByteString Hex(string text)
    {
        if (text.Length == 0)
        {
            return ByteString.Empty;
        }

        if (text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit))
        {
            return ByteString.CopyFrom(Convert.FromHexString(text));
        }

        var bytes = new byte[16];
        return Convert.TryFromBase64String(text, bytes, out var written) && written is 8 or 16
            ? ByteString.CopyFrom(bytes, 0, written)
            : throw new FormatException($"'{text}' is not a hex trace or span id");
    }
}
