using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Ingest;

/// <summary>
/// Turns one input line into the NDJSON line sent. Native events and plain lines without an id get a deterministic
/// one, made from the file's identity and the line number, so a batch sent again after an interruption is dropped
/// by the server's duplicate window instead of stored twice. CLEF lines go as they are (CLEF has no id field).
/// </summary>
internal sealed class EventEncoder
{
    /// <summary>ERROR, WARN(ING), INFO, DEBUG, TRACE, FATAL, CRITICAL as a word, in any case.</summary>
    public const string DefaultLevelPattern = @"\b(?<level>(?i:trace|debug|info|warn(?:ing)?|error|fatal|critical))\b";

    private readonly IngestFormat _format;
    private readonly string? _idPrefix;
    private readonly Regex _levelPattern;
    private readonly string? _service;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _properties;
    private readonly ArrayBufferWriter<byte> _scratch = new();

    /// <param name="fileIdentity">The file's identity (null for stdin: then the server makes the ids).</param>
    public EventEncoder(IngestFormat format, string? fileIdentity, Regex levelPattern, string? service, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        _format = format;
        _idPrefix = fileIdentity is null ? null : "ingest-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fileIdentity)).AsSpan(0, 8)) + "-";
        _levelPattern = levelPattern;
        _service = service;
        _properties = properties;
    }

    /// <summary>Appends the line to send for input line <paramref name="lineNumber"/> (1-based), with its newline.</summary>
    public void Encode(ReadOnlySpan<byte> line, long lineNumber, IBufferWriter<byte> output)
    {
        switch (_format)
        {
            case IngestFormat.Plain:
                EncodePlain(line, lineNumber, output);
                break;
            case IngestFormat.Ndjson when _idPrefix is not null && !HasId(line):
                InsertId(line, lineNumber, output);
                break;
            default:
                output.Write(line);
                break;
        }

        output.Write("\n"u8);
    }

    private string Id(long lineNumber) => _idPrefix + lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when the object names its own id at its top (or is not an object: it is sent as is to be refused).</summary>
    private static bool HasId(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("event_id"u8) || reader.ValueTextEquals("eventId"u8))
                {
                    return true;
                }

                reader.Read();
                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private void InsertId(ReadOnlySpan<byte> line, long lineNumber, IBufferWriter<byte> output)
    {
        var open = line.IndexOf((byte)'{');
        var rest = line[(open + 1)..];
        var empty = rest.TrimStart(" \t"u8).StartsWith("}"u8);
        output.Write(line[..(open + 1)]);
        output.Write("\"id\":\""u8);
        output.Write(Encoding.UTF8.GetBytes(Id(lineNumber)));
        output.Write(empty ? "\""u8 : "\","u8);
        output.Write(rest);
    }

    private void EncodePlain(ReadOnlySpan<byte> line, long lineNumber, IBufferWriter<byte> output)
    {
        var text = Encoding.UTF8.GetString(line);
        _scratch.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_scratch))
        {
            json.WriteStartObject();
            if (_idPrefix is not null)
            {
                json.WriteString("id", Id(lineNumber));
            }

            var match = _levelPattern.Match(text);
            if (match.Success && match.Groups["timestamp"] is { Success: true } time)
            {
                json.WriteString("timestamp", time.Value);
            }

            if (match.Success && match.Groups["level"] is { Success: true } level)
            {
                json.WriteString("level", level.Value.ToLowerInvariant());
            }

            json.WriteString("message", text);
            if (_service is not null)
            {
                json.WriteString("service", _service);
            }

            foreach (var (name, value) in _properties)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        output.Write(_scratch.WrittenSpan);
    }
}
