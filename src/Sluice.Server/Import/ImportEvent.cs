using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Events;

namespace Sluice.Server.Import;

/// <summary>
/// One event ready to import: its id (its own, or one made from its content so a rerun makes the same), its time
/// (required: without it the event would be stamped with the time of the import and a rerun could not find it) and
/// its native JSON with the id in it.
/// </summary>
internal sealed record ImportEvent(long Line, string Id, long TimestampMs, byte[] Json)
{
    private static readonly string[] IdNames = ["id", "event_id", "eventId"];
    private static readonly string[] TimeNames = ["timestamp", "time", "ts", "@timestamp", "@t"];

    private const string PatternId = "pattern_id";

    /// <summary>Prefix of ids made from an event's content.</summary>
    public const string ContentIdPrefix = "imp-";

    public static ImportEvent? TryRead(long line, byte[] json, int maxDepth, out FieldError error)
    {
        error = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth + 1 });
        }
        catch (JsonException e)
        {
            error = new FieldError(ErrorCodes.MalformedJson, null, $"not valid JSON: {e.Message}");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new FieldError(ErrorCodes.ExpectedObject, null, "each line must be one JSON object (an event)");
                return null;
            }

            string? id = null;
            long? timestamp = null;
            var times = 0;
            var patterned = false;
            foreach (var property in root.EnumerateObject())
            {
                times += TimeNames.Contains(property.Name) ? 1 : 0;
                patterned |= property.Name == PatternId;
                if (id is null && IdNames.Contains(property.Name))
                {
                    if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString() is not { Length: > 0 } text)
                    {
                        error = new FieldError(ErrorCodes.InvalidType, property.Name, $"'{property.Name}' must be a non-empty string");
                        return null;
                    }

                    id = text;
                }
                else if (timestamp is null && TimeNames.Contains(property.Name))
                {
                    if (!TryTime(property.Value, out var ms))
                    {
                        error = new FieldError(ErrorCodes.InvalidValue, property.Name, $"'{property.Name}' is not a time (ISO-8601 or epoch)");
                        return null;
                    }

                    timestamp = ms;
                }
            }

            if (timestamp is null)
            {
                error = new FieldError(ErrorCodes.MissingField, "timestamp", "an imported event needs its time ('timestamp', 'time' or '@t')");
                return null;
            }

            if (id is null)
            {
                // Made from the bytes as they came, before any rewriting: the same on every run.
                id = ContentIdPrefix + Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 16));
                return new ImportEvent(line, id, timestamp.Value, Rewrite(root, id));
            }

            // An export writes both 'timestamp' and 'time': the first is the time, the second must not become an
            // attribute; and a pattern id is the importing server's to make from the message, as on any ingest.
            return new ImportEvent(line, id, timestamp.Value, times > 1 || patterned ? Rewrite(root, null) : json);
        }
    }

    /// <summary>The event with <paramref name="id"/> put first (when given), only its first time property, and no pattern id.</summary>
    private static byte[] Rewrite(JsonElement root, string? id)
    {
        var output = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            if (id is not null)
            {
                json.WriteString("id", id);
            }

            var timed = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == PatternId)
                {
                    continue;
                }

                if (TimeNames.Contains(property.Name))
                {
                    if (timed)
                    {
                        continue;
                    }

                    timed = true;
                }

                property.WriteTo(json);
            }

            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static bool TryTime(JsonElement value, out long ms)
    {
        ms = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out var whole) ? Timestamps.TryFromEpoch(whole, out ms) : Timestamps.TryFromEpoch(value.GetDouble(), out ms),
            JsonValueKind.String => Timestamps.TryParse(value.GetString()!, out ms),
            _ => false,
        };
    }
}
