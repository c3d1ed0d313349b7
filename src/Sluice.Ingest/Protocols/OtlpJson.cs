using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// OTLP/JSON into the OTLP messages. Written by hand rather than with protobuf's JSON parser because OTLP/JSON
/// differs from the canonical mapping: trace and span ids are hex, not base64. Field names are read in
/// lowerCamelCase and in their proto spelling; 64-bit integers as strings or numbers; unknown fields are ignored.
/// Records are made one at a time, as they are translated, so the request never exists whole as objects. A value
/// of the wrong type throws <see cref="OtlpJsonException"/> naming the field.
/// </summary>
internal static class OtlpJson
{
    /// <summary>
    /// Every log record of the request with its resource's attributes and its scope, in order; a record whose text
    /// holds a lone surrogate escape comes as null (it alone is refused).
    /// </summary>
    public static IEnumerable<(IReadOnlyList<KeyValue> Resource, InstrumentationScope? Scope, LogRecord? Record)> Records(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new OtlpJsonException("the body must be a JSON object with 'resourceLogs'");
        }

        foreach (var rl in Array(root, "resourceLogs", "resource_logs"))
        {
            var resource = Get(rl, "resource", "resource") is { ValueKind: JsonValueKind.Object } r ? KeyValues(r).ToList() : [];
            foreach (var sl in Array(rl, "scopeLogs", "scope_logs"))
            {
                InstrumentationScope? scope = null;
                if (Get(sl, "scope", "scope") is { ValueKind: JsonValueKind.Object } s)
                {
                    scope = new InstrumentationScope { Name = String(s, "name"), Version = String(s, "version") };
                    scope.Attributes.AddRange(KeyValues(s));
                }

                foreach (var lr in Array(sl, "logRecords", "log_records"))
                {
                    LogRecord? record;
                    try
                    {
                        record = Record(lr);
                    }
                    catch (InvalidOperationException e) when (JsonErrorText.IsInvalidText(e))
                    {
                        record = null;
                    }

                    yield return (resource, scope, record);
                }
            }
        }
    }

    private static LogRecord Record(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new OtlpJsonException("each of 'logRecords' must be an object");
        }

        var record = new LogRecord
        {
            TimeUnixNano = UInt64(Get(e, "timeUnixNano", "time_unix_nano"), "timeUnixNano"),
            ObservedTimeUnixNano = UInt64(Get(e, "observedTimeUnixNano", "observed_time_unix_nano"), "observedTimeUnixNano"),
            SeverityNumber = (int)Math.Clamp(Int64(Get(e, "severityNumber", "severity_number"), "severityNumber"), int.MinValue, int.MaxValue),
            SeverityText = String(e, "severityText", "severity_text"),
            EventName = String(e, "eventName", "event_name"),
            Flags = (uint)Math.Clamp(Int64(Get(e, "flags", "flags"), "flags"), 0, uint.MaxValue),
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
                case "stringValue" or "string_value": return new AnyValue { StringValue = Text(p.Value, "stringValue") };
                case "boolValue" or "bool_value":
                    return p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? new AnyValue { BoolValue = p.Value.GetBoolean() }
                        : throw new OtlpJsonException("'boolValue' must be true or false");
                case "intValue" or "int_value": return new AnyValue { IntValue = Int64(p.Value, "intValue") };
                case "doubleValue" or "double_value": return new AnyValue { DoubleValue = Double(p.Value) };
                case "bytesValue" or "bytes_value": return new AnyValue { BytesValue = Base64(Text(p.Value, "bytesValue")) };
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

    private static string Text(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new OtlpJsonException($"'{field}' must be a string");

    private static ulong UInt64(JsonElement? value, string field) => value switch
    {
        { ValueKind: JsonValueKind.String } s when ulong.TryParse(s.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
        { ValueKind: JsonValueKind.Number } n when n.TryGetUInt64(out var number) => number,
        null or { ValueKind: JsonValueKind.Null } => 0,
        _ => throw new OtlpJsonException($"'{field}' must be an unsigned 64-bit integer (a number or a string of digits)"),
    };

    private static long Int64(JsonElement? value, string field) => value switch
    {
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var number) => number,
        null or { ValueKind: JsonValueKind.Null } => 0,
        _ => throw new OtlpJsonException($"'{field}' must be a 64-bit integer (a number or a string of digits)"),
    };

    private static double Double(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        JsonValueKind.Number when value.TryGetDouble(out var number) => number,
        _ => throw new OtlpJsonException("'doubleValue' must be a number"),
    };

    private static ByteString Base64(string text)
    {
        var bytes = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, bytes, out var written)
            ? ByteString.CopyFrom(bytes, 0, written)
            : throw new OtlpJsonException("'bytesValue' must be base64");
    }

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
            : throw new OtlpJsonException("the value is not a hex trace or span id (16 or 32 hex digits, or base64)");
    }
}

/// <summary>OTLP/JSON whose shape or values are not OTLP's; the message names the field, in Sluice's words.</summary>
internal sealed class OtlpJsonException(string message) : Exception(message);
