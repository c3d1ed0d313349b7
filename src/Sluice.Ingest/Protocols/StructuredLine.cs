using System.Text;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Options;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// A text line (a Loki entry, a syslog message) that is itself a JSON object, as pino, bunyan, zap or structlog
/// write them (<c>{"level":50,"time":1733212345678,"msg":"checkout failed","orderId":77}</c>): its <c>msg</c> or
/// <c>message</c> becomes the message, its level (pino numbers or names) and time (<c>time</c>, <c>timestamp</c>,
/// <c>ts</c>, <c>@t</c>: epoch s/ms/µs/ns or ISO-8601) the event's, and every other property an attribute (objects
/// flattened with dots by the native parser). A line that is not one JSON object, has no non-empty string message,
/// or has more attributes or depth than <see cref="IngestLimits"/> allows stays as it was: the raw line is the
/// message, so nothing that was accepted before is refused now. A level or time the line holds but that cannot be
/// read stays an attribute.
/// </summary>
public sealed class StructuredLine : IDisposable
{
    private static readonly string[] MessageNames = ["msg", "message"];
    private static readonly string[] LevelNames = ["level", "lvl", "severity"];
    private static readonly string[] TimeNames = ["time", "timestamp", "ts", "@t"];

    private readonly JsonDocument _document;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private StructuredLine(JsonDocument document, string message)
    {
        _document = document;
        Message = message;
    }

    public string Message { get; }

    /// <summary>The line's own level, when it names one that can be read.</summary>
    public EventLevel? Level { get; private set; }

    /// <summary>The line's own time in Unix milliseconds, when it holds one that can be read.</summary>
    public long? TimestampMs { get; private set; }

    /// <summary>Top-level property names of the line: a protocol label of the same name yields to the line's.</summary>
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>The structured form of <paramref name="line"/>, or null when it stays a plain line.</summary>
    public static StructuredLine? TryRead(string line, IngestLimits limits)
    {
        var text = line.AsSpan().Trim().TrimStart('\uFEFF'); // RFC 5424 marks a UTF-8 MSG with a BOM
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
        {
            return null; // most plain lines end here, without a parse
        }

        if (HasSurrogateEscape(text))
        {
            return null; // JSON text with a lone surrogate escape cannot be read back as text: keep the line as it is
        }

        JsonDocument document;
        try
        {
            // The line is already held in memory; its document is a bounded multiple of it.
            document = JsonDocument.Parse(Encoding.UTF8.GetBytes(text.ToString()), new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth });
        }
        catch (JsonException)
        {
            return null;
        }

        var root = document.RootElement;
        var message = MessageNames.Select(n => root.TryGetProperty(n, out var m) && m.ValueKind == JsonValueKind.String ? (n, m.GetString()) : (n, null))
            .FirstOrDefault(m => !string.IsNullOrEmpty(m.Item2));
        if (message.Item2 is null || Leaves(root, limits.MaxAttributesPerEvent) > limits.MaxAttributesPerEvent)
        {
            document.Dispose();
            return null;
        }

        var structured = new StructuredLine(document, message.Item2);
        structured._used.Add(message.n);
        structured.ReadLevel(root);
        structured.ReadTime(root);
        foreach (var property in root.EnumerateObject())
        {
            structured.Names.Add(property.Name);
        }

        return structured;
    }

    /// <summary>Writes the line's other properties into the event's <c>attributes</c> object being written.</summary>
    public void WriteAttributes(Utf8JsonWriter json)
    {
        foreach (var property in _document.RootElement.EnumerateObject())
        {
            if (!_used.Contains(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                property.WriteTo(json);
            }
        }
    }

    public void Dispose() => _document.Dispose();

    private void ReadLevel(JsonElement root)
    {
        foreach (var name in LevelNames)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                continue;
            }

            var read = value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetInt64(out var n) && Levels.TryFromLevelNumber(n, out var l) ? l : (EventLevel?)null,
                JsonValueKind.String => Levels.TryParse(Encoding.UTF8.GetBytes(value.GetString()!), out var l) ? l : null,
                _ => null,
            };
            if (read is not null)
            {
                Level = read;
                _used.Add(name);
                return;
            }
        }
    }

    private void ReadTime(JsonElement root)
    {
        foreach (var name in TimeNames)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                continue;
            }

            long ms = 0;
            var read = value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetInt64(out var whole) ? Timestamps.TryFromEpoch(whole, out ms)
                    : value.TryGetDouble(out var fraction) && Timestamps.TryFromEpoch(fraction, out ms),
                JsonValueKind.String => Timestamps.TryParse(Encoding.UTF8.GetBytes(value.GetString()!), out ms),
                _ => false,
            };
            if (read)
            {
                TimestampMs = ms;
                _used.Add(name);
                return;
            }
        }
    }

    private static bool HasSurrogateEscape(ReadOnlySpan<char> text)
    {
        for (var i = text.IndexOf("\\u", StringComparison.Ordinal); i >= 0 && i + 4 < text.Length; )
        {
            if (char.ToLowerInvariant(text[i + 2]) == 'd' && char.ToLowerInvariant(text[i + 3]) is >= '8' and <= '9' or >= 'a' and <= 'f')
            {
                return true;
            }

            var next = text[(i + 2)..].IndexOf("\\u", StringComparison.Ordinal);
            i = next < 0 ? -1 : i + 2 + next;
        }

        return false;
    }

    /// <summary>Counts the attributes the line would flatten to, stopping once past <paramref name="max"/>.</summary>
    private static int Leaves(JsonElement element, int max)
    {
        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            count += property.Value.ValueKind == JsonValueKind.Object ? Leaves(property.Value, max) : 1;
            if (count > max)
            {
                break;
            }
        }

        return count;
    }
}
