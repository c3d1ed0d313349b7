using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// Seq's formats into native events: CLEF (one JSON object per line: <c>@t</c> time, <c>@m</c> message or
/// <c>@mt</c> template, <c>@l</c> level, <c>@x</c> exception, <c>@i</c> event id, <c>@tr</c>/<c>@sp</c> trace and
/// span, other keys properties, <c>@@</c> escaping a leading <c>@</c>) and the older
/// <c>{"Events":[{"Timestamp","Level","MessageTemplate","RenderedMessage","Properties","Exception"}]}</c>.
/// The template is rendered into <c>message</c> and kept in <c>template</c>; properties become attributes, except
/// <c>Application</c> (service), <c>MachineName</c> (host) and <c>SourceContext</c> (category).
/// </summary>
public static class ClefTranslator
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static Translation TranslateClef(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadClef);

    public static Translation TranslateEnvelope(ReadOnlySpan<byte> body, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, ReadEnvelope);

    private static void ReadClef(ReadOnlySpan<byte> body, Translation translation)
    {
        var maxMessageBytes = translation.Limits.MaxFieldBytes;
        var record = 0;
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = (newline >= 0 ? body[..newline] : body).Trim(" \t\r"u8);
            body = newline >= 0 ? body[(newline + 1)..] : [];
            if (line.IsEmpty)
            {
                continue;
            }

            if (!translation.Admit(record))
            {
                return;
            }

            if (JsonErrorText.CannotStartValue(line))
            {
                translation.Reject(record++, new FieldError(ErrorCodes.MalformedJson, null, $"CLEF line {record} is not valid JSON: invalid JSON at line 1, byte 1"));
                continue;
            }

            if (!System.Text.Unicode.Utf8.IsValid(line))
            {
                translation.Reject(record++, new FieldError(ErrorCodes.InvalidUtf8, null, $"CLEF line {record} is not valid UTF-8"));
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line.ToArray(), DocumentOptions);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    translation.Reject(record, new FieldError(ErrorCodes.ExpectedObject, null, "each CLEF line must be a JSON object"));
                }
                else
                {
                    WriteClef(translation.Writer, document.RootElement, (int)Math.Min(maxMessageBytes, translation.Remaining));
                    translation.EndEvent(record);
                }
            }
            catch (JsonException e)
            {
                translation.AbandonEvent();
                translation.Reject(record, JsonErrorText.Error(line, e, DocumentOptions.MaxDepth, $"CLEF line {record + 1} is not valid JSON: "));
            }
            catch (InvalidOperationException)
            {
                translation.RejectUnreadable(record);
            }

            record++;
        }

        translation.Records = record;
        return;
    }

    private static void ReadEnvelope(ReadOnlySpan<byte> body, Translation translation)
    {
        var maxMessageBytes = translation.Limits.MaxFieldBytes;
        using var document = translation.ParseJsonBody(body);
        if (document is null)
        {
            return;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("Events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            translation.Fatal = new FieldError(ErrorCodes.MissingField, "Events", "the body needs an 'Events' array (or send CLEF with ?clef)");
            return;
        }

        var record = 0;
        foreach (var e in events.EnumerateArray())
        {
            if (!translation.Admit(record))
            {
                return;
            }

            if (e.ValueKind != JsonValueKind.Object)
            {
                translation.Reject(record, new FieldError(ErrorCodes.ExpectedObject, null, "each event must be a JSON object"));
            }
            else
            {
                try
                {
                    WriteEnvelopeEvent(translation.Writer, e, (int)Math.Min(maxMessageBytes, translation.Remaining));
                    translation.EndEvent(record);
                }
                catch (InvalidOperationException)
                {
                    translation.RejectUnreadable(record);
                }
            }

            record++;
        }

        translation.Records = record;

        return;
    }

    private static void WriteClef(Utf8JsonWriter json, JsonElement e, int maxMessageBytes)
    {
        json.WriteStartObject();
        string? template = null;
        string? message = null;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "@t": json.WritePropertyName("timestamp"); p.Value.WriteTo(json); break;
                case "@l": WriteLevel(json, p.Value); break;
                case "@m": message = Text(p.Value); break;
                case "@mt": template = Text(p.Value); break;
                case "@x": json.WriteString("stack_trace", Text(p.Value)); break;
                case "@tr": json.WriteString("trace_id", Text(p.Value)); break;
                case "@sp": json.WriteString("span_id", Text(p.Value)); break;
            }
        }

        WriteMessage(json, message, template, e, maxMessageBytes);
        WriteProperties(json, e, clef: true);
        json.WriteEndObject();
    }

    private static void WriteEnvelopeEvent(Utf8JsonWriter json, JsonElement e, int maxMessageBytes)
    {
        json.WriteStartObject();
        var properties = e.TryGetProperty("Properties", out var props) ? props : default;
        if (e.TryGetProperty("Timestamp", out var ts))
        {
            json.WritePropertyName("timestamp");
            ts.WriteTo(json);
        }

        if (e.TryGetProperty("Level", out var level))
        {
            WriteLevel(json, level);
        }

        if (e.TryGetProperty("Exception", out var exception) && exception.ValueKind == JsonValueKind.String)
        {
            json.WriteString("stack_trace", exception.GetString());
        }

        var rendered = e.TryGetProperty("RenderedMessage", out var r) ? Text(r) : null;
        var template = e.TryGetProperty("MessageTemplate", out var t) ? Text(t) : null;
        WriteMessage(json, rendered, template, properties, maxMessageBytes);
        WriteProperties(json, properties, clef: false);
        json.WriteEndObject();
    }

    /// <summary>
    /// The message, rendered from the template when the event has none. Rendering stops just past
    /// <paramref name="maxMessageBytes"/> — the field limit, or what the translation may still grow by if less — (a
    /// hole repeated 8,000 times must not build gigabytes): a message that
    /// long is refused by the parser as <c>field_too_long</c>, naming <c>message</c>.
    /// </summary>
    private static void WriteMessage(Utf8JsonWriter json, string? message, string? template, JsonElement properties, int maxMessageBytes)
    {
        if (template is not null)
        {
            json.WriteString("template", template);
        }

        json.WriteString("message", message ?? (template is null ? "(no message)" : MessageTemplate.Render(template, properties, maxMessageBytes + 1)));
    }

    /// <summary>Properties: three known to Serilog enrichers go to canonical fields, the rest to attributes.</summary>
    private static void WriteProperties(Utf8JsonWriter json, JsonElement properties, bool clef)
    {
        if (properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var p in properties.EnumerateObject())
        {
            if (Canonical(p.Name) is { } canonical && p.Value.ValueKind == JsonValueKind.String)
            {
                json.WriteString(canonical, p.Value.GetString());
            }
        }

        var open = false;
        foreach (var p in properties.EnumerateObject())
        {
            var name = p.Name;
            if (Canonical(name) is not null && p.Value.ValueKind == JsonValueKind.String)
            {
                continue;
            }

            if (clef && name.StartsWith('@'))
            {
                if (name.StartsWith("@@", StringComparison.Ordinal))
                {
                    name = name[1..]; // an escaped property whose own name starts with @
                }
                else if (name is "@i" or "@r" or "@sc" or "@ra" or "@st" or "@ps")
                {
                    name = name == "@i" ? "event_id" : name;
                }
                else
                {
                    continue; // read above
                }
            }

            if (!open)
            {
                json.WriteStartObject("attributes");
                open = true;
            }

            json.WritePropertyName(name);
            p.Value.WriteTo(json);
        }

        if (open)
        {
            json.WriteEndObject();
        }
    }

    private static string? Canonical(string property) => property switch
    {
        "Application" => "service",
        "MachineName" => "host",
        "SourceContext" => "category",
        _ => null,
    };

    /// <summary>Serilog's level names onto Sluice's; anything else is kept as an attribute beside level info.</summary>
    private static void WriteLevel(Utf8JsonWriter json, JsonElement value)
    {
        var text = Text(value);
        var level = text?.ToLowerInvariant() switch
        {
            "verbose" or "trace" => "trace",
            "debug" => "debug",
            "information" or "info" => "info",
            "warning" or "warn" => "warn",
            "error" => "error",
            "fatal" or "critical" => "fatal",
            _ => null,
        };
        json.WriteString("level", level ?? "info");
        if (level is null && text is not null)
        {
            json.WriteString("level_text", text);
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
