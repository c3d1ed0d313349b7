using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Ingest.Protocols;

/// <summary>One action of a bulk request, for its item in the answer.</summary>
public sealed record BulkItem(string Action, string? Index, string? Id, FieldError? Refused);

/// <summary>
/// Elasticsearch's <c>_bulk</c> NDJSON into native events: an action line (<c>index</c> or <c>create</c>, with
/// <c>_index</c> and <c>_id</c>) followed by the document. ECS fields map to canonical ones — <c>@timestamp</c>,
/// <c>log.level</c>, <c>service.name</c>, <c>host.name</c>/<c>host.hostname</c>, <c>trace.id</c>, <c>span.id</c>,
/// <c>error.stack_trace</c>, <c>event.original</c> as the message when there is none — as do string fields under
/// canonical names (<c>message</c>, <c>service</c> …); the <c>_id</c> becomes the event id (so a resent bulk is
/// recognised as a duplicate), and the index name becomes <c>service</c> when the document names none. Every other
/// field is an attribute under its dotted name (a document's own <c>id</c> as <c>document.id</c>). <c>update</c> and
/// <c>delete</c> are refused per item.
/// </summary>
public static class BulkTranslator
{
    private static readonly Dictionary<string, string> Ecs = new(StringComparer.Ordinal)
    {
        ["@timestamp"] = "timestamp",
        ["log.level"] = "level",
        ["service.name"] = "service",
        ["host.name"] = "host",
        ["host.hostname"] = "host",
        ["trace.id"] = "trace_id",
        ["span.id"] = "span_id",
        ["error.stack_trace"] = "stack_trace",
        ["transaction.id"] = "request_id",
        ["user.id"] = "user_id",
    };

    /// <param name="pathIndex">The index named in the path (<c>/{index}/_bulk</c>), the default for actions that name none.</param>
    /// <param name="indexAsService">Whether the index name becomes <c>service</c> for documents that name none.</param>
    public static Translation Translate(ReadOnlySpan<byte> body, string? pathIndex, bool indexAsService, IngestLimits limits, MemoryLease? lease = null) =>
        Translation.Run(body, body.Length, limits, lease, (b, t) => Read(b, t, pathIndex, indexAsService));

    private static void Read(ReadOnlySpan<byte> body, Translation translation, string? pathIndex, bool indexAsService)
    {
        var items = new List<BulkItem>();
        translation.State = items;
        translation.Hold(body.Length); // the lines are copied out of the body
        var lines = SplitLines(body);
        var record = 0;
        for (var i = 0; i < lines.Count; i++, record++)
        {
            if (!translation.Admit(record))
            {
                return;
            }

            if (!System.Text.Unicode.Utf8.IsValid(lines[i]) || (i + 1 < lines.Count && !System.Text.Unicode.Utf8.IsValid(lines[i + 1])))
            {
                translation.Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, $"line {i + 1} or the next is not valid UTF-8");
                return;
            }

            string action;
            string? index = pathIndex, id = null;
            try
            {
                using var actionDoc = JsonDocument.Parse(lines[i]);
                var root = actionDoc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || root.GetPropertyCount() != 1)
                {
                    translation.Fatal = new FieldError(ErrorCodes.MalformedBody, null, $"line {i + 1}: expected an action such as {{\"create\":{{}}}}");
                    return;
                }

                var property = root.EnumerateObject().First();
                action = property.Name;
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    index = property.Value.TryGetProperty("_index", out var ix) && ix.ValueKind == JsonValueKind.String ? ix.GetString() : index;
                    id = property.Value.TryGetProperty("_id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
                }
            }
            catch (JsonException e)
            {
                translation.Fatal = JsonErrorText.Error(lines[i], e, 64, $"line {i + 1}: the action is not valid JSON: ");
                return;
            }
            catch (InvalidOperationException)
            {
                translation.Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, $"line {i + 1}: the action holds text that is not valid Unicode (a lone surrogate escape)");
                return;
            }

            if (action is "delete")
            {
                Refuse(translation, items, record, action, index, id, "Sluice keeps logs append-only: delete is not supported");
                continue;
            }

            if (action is not ("index" or "create"))
            {
                i++; // update carries a document line too
                Refuse(translation, items, record, action, index, id, $"Sluice takes index and create actions only, not {action}");
                continue;
            }

            if (++i >= lines.Count)
            {
                translation.Fatal = new FieldError(ErrorCodes.MalformedBody, null, $"the {action} action on the last line has no document");
                return;
            }

            try
            {
                using var doc = JsonDocument.Parse(lines[i], new JsonDocumentOptions { MaxDepth = 64 });
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    Refuse(translation, items, record, action, index, id, "the document must be a JSON object");
                    continue;
                }

                WriteDocument(translation.Writer, doc.RootElement, index, indexAsService, id);
                translation.EndEvent(record);
                items.Add(new BulkItem(action, index, id, null));
            }
            catch (JsonException e)
            {
                translation.AbandonEvent();
                Refuse(translation, items, record, action, index, id, "the document is not valid JSON: " + JsonErrorText.Of(e));
            }
            catch (InvalidOperationException)
            {
                translation.AbandonEvent();
                Refuse(translation, items, record, action, index, id, "the document holds text that is not valid Unicode (a lone surrogate escape)");
            }
        }

        translation.Records = record;
    }

    private static void Refuse(Translation translation, List<BulkItem> items, int record, string action, string? index, string? id, string reason)
    {
        var error = new FieldError(ErrorCodes.InvalidValue, null, reason);
        translation.Reject(record, error);
        items.Add(new BulkItem(action, index, id, error));
    }

    /// <summary>
    /// Canonical fields a document may set directly, as strings: numbers and other shapes under these names, and
    /// every other key, stay attributes — an application's own <c>status: "ok"</c> or <c>id</c> must neither refuse
    /// the document nor make it a duplicate of another.
    /// </summary>
    private static readonly HashSet<string> StringFields = new(StringComparer.Ordinal)
    {
        "message", "service", "system", "host", "domain", "category", "trace_id", "span_id", "request_id", "session_id",
        "user_id", "url", "method", "path", "country", "decision", "reason", "template", "stack_trace",
    };

    private static void WriteDocument(Utf8JsonWriter json, JsonElement doc, string? index, bool indexAsService, string? id)
    {
        var leaves = new List<(string Key, JsonElement Value)>();
        Flatten(doc, "", leaves);
        var hasMessage = leaves.Exists(l => l.Key == "message");
        var canonical = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var attributes = new List<(string Key, JsonElement Value)>();
        foreach (var (key, value) in leaves)
        {
            var field = Ecs.GetValueOrDefault(key) ?? (key == "event.original" && !hasMessage ? "message" : key);
            var fits = field switch
            {
                "timestamp" => value.ValueKind is JsonValueKind.String or JsonValueKind.Number,
                "level" => value.ValueKind == JsonValueKind.String && OtlpTranslator.LevelOf(value.GetString()!) is not null,
                _ => StringFields.Contains(field) && value.ValueKind == JsonValueKind.String,
            };
            if (fits && canonical.TryAdd(field, value))
            {
                continue;
            }

            attributes.Add((key == "id" ? "document.id" : key, value));
        }

        json.WriteStartObject();
        if (id is not null)
        {
            json.WriteString("id", id);
        }

        foreach (var (field, value) in canonical)
        {
            if (field == "level")
            {
                json.WriteString("level", OtlpTranslator.LevelOf(value.GetString()!));
            }
            else
            {
                json.WritePropertyName(field);
                value.WriteTo(json);
            }
        }

        var indexAttribute = index;
        if (index is not null && indexAsService && !canonical.ContainsKey("service"))
        {
            json.WriteString("service", index);
            indexAttribute = null;
        }

        if (!canonical.ContainsKey("message"))
        {
            json.WriteString("message", "(no message)");
        }

        json.WriteStartObject("attributes");
        if (indexAttribute is not null)
        {
            json.WriteString("index", indexAttribute);
        }

        foreach (var (key, value) in attributes)
        {
            json.WritePropertyName(key);
            value.WriteTo(json);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Objects become dotted keys; arrays and scalars are leaves.</summary>
    private static void Flatten(JsonElement element, string prefix, List<(string, JsonElement)> leaves)
    {
        foreach (var p in element.EnumerateObject())
        {
            var key = prefix.Length == 0 ? p.Name : prefix + "." + p.Name;
            if (p.Value.ValueKind == JsonValueKind.Object && p.Value.GetPropertyCount() > 0)
            {
                Flatten(p.Value, key, leaves);
            }
            else
            {
                leaves.Add((key, p.Value));
            }
        }
    }

    private static List<byte[]> SplitLines(ReadOnlySpan<byte> body)
    {
        var lines = new List<byte[]>();
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = (newline >= 0 ? body[..newline] : body).Trim(" \t\r"u8);
            body = newline >= 0 ? body[(newline + 1)..] : [];
            if (!line.IsEmpty)
            {
                lines.Add(line.ToArray());
            }
        }

        return lines;
    }
}
