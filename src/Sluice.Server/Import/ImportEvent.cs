using System.Security.Cryptography;
using System.Text;
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
            foreach (var property in root.EnumerateObject())
            {
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

            return id is not null
                ? new ImportEvent(line, id, timestamp.Value, json)
                : WithContentId(line, timestamp.Value, json);
        }
    }

    /// <summary>The event with <c>"id":"imp-…"</c> put first: a hash of its bytes, the same on every run.</summary>
    private static ImportEvent WithContentId(long line, long timestamp, byte[] json)
    {
        var id = ContentIdPrefix + Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 16));
        var open = Array.IndexOf(json, (byte)'{');
        var prefix = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"");
        var rest = json.AsSpan(open + 1);
        var empty = rest.TrimStart(" \t\r\n"u8).StartsWith("}"u8);
        var result = new byte[prefix.Length + (empty ? 0 : 1) + rest.Length];
        prefix.CopyTo(result, 0);
        var at = prefix.Length;
        if (!empty)
        {
            result[at++] = (byte)',';
        }

        rest.CopyTo(result.AsSpan(at));
        return new ImportEvent(line, id, timestamp, result);
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
