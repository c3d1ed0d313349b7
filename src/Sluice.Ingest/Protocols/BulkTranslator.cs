using System.Text.Json;
using Sluice.Core.Errors;

namespace Sluice.Ingest.Protocols;

/// <summary>One action of a bulk request, for its item in the answer.</summary>
public sealed record BulkItem(string Action, string? Index, string? Id, FieldError? Refused);

/// <summary>
/// Elasticsearch's <c>_bulk</c> NDJSON into native events: an action line (<c>index</c> or <c>create</c>, with
/// <c>_index</c> and <c>_id</c>) followed by the document. ECS fields map to canonical ones — <c>@timestamp</c>,
/// <c>log.level</c>, <c>service.name</c>, <c>host.name</c>/<c>host.hostname</c>, <c>trace.id</c>, <c>span.id</c>,
/// <c>error.stack_trace</c>, <c>event.original</c> as the message when there is none — the <c>_id</c> becomes the
/// event id (so a resent bulk is recognised as a duplicate), and the index name becomes <c>service</c> when the
/// document names none. Other fields keep their (dotted) names. <c>update</c> and <c>delete</c> are refused per item.
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
    public static Translation Translate(ReadOnlySpan<byte> body, string? pathIndex, bool indexAsService)
    {
        var translation = new Translation();
        var items = new List<BulkItem>();
        translation.State = items;
        var lines = SplitLines(body);
        var record = 0;
        for (var i = 0; i < lines.Count; i++, record++)
        {
            if (!System.Text.Unicode.Utf8.IsValid(lines[i]) || (i + 1 < lines.Count && !System.Text.Unicode.Utf8.IsValid(lines[i + 1])))
            {
                translation.Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, $"line {i + 1} or the next is not valid UTF-8");
                return translation;
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
                    return translation;
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
                translation.Fatal = new FieldError(ErrorCodes.MalformedJson, null, $"line {i + 1}: the action is not valid JSON: {e.Message}");
                return translation;
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
                return translation;
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
                Refuse(translation, items, record, action, index, id, "the document is not valid JSON: " + e.Message);
            }
        }

        translation.Records = record;
        if (record == 0)
        {
            translation.Fatal = new FieldError(ErrorCodes.EmptyBatch, null, "the request has no actions");
        }

        return translation;
    }

    private static void Refuse(Translation translation, List<BulkItem> items, int record, string action, string? index, string? id, string reason)
    {
        var error = new FieldError(ErrorCodes.InvalidValue, null, reason);
        translation.Reject(record, error);
        items.Add(new BulkItem(action, index, id, error));
    }

    private static void WriteDocument(Utf8JsonWriter json, JsonElement doc, string? index, bool indexAsService, string? id)
    {
        var leaves = new List<(string Key, JsonElement Value)>();
        Flatten(doc, "", leaves);
        json.WriteStartObject();
        if (id is not null)
        {
            json.WriteString("id", id);
        }

        var named = new HashSet<string>(StringComparer.Ordinal);
        if (id is not null)
        {
            named.Add("id");
        }

        foreach (var (key, value) in leaves)
        {
            var field = Ecs.GetValueOrDefault(key) ?? key;
            if (key == "event.original" && !leaves.Any(l => l.Key == "message"))
            {
                field = "message";
            }

            if (!named.Add(field))
            {
                // A second source for a field already set stays under its own name, or under document.* if that is the same.
                field = field == key ? "document." + key : key;
            }

            json.WritePropertyName(field);
            value.WriteTo(json);
        }

        if (index is not null && indexAsService && !named.Contains("service"))
        {
            json.WriteString("service", index);
        }
        else if (index is not null && !named.Contains("index"))
        {
            json.WriteString("index", index); // not a native field: kept as an attribute
        }

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
