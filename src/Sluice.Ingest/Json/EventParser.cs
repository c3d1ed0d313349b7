using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Privacy;

namespace Sluice.Ingest.Json;

/// <summary>
/// Reads one native JSON event straight from UTF-8 into a row of an <see cref="EventBatchBuilder"/>:
/// names are matched as bytes, values copied as bytes, client IPs hashed before anything is written.
/// One instance serves one request at a time (it owns scratch buffers).
/// <para>
/// This file is longer than most because every field reader shares the scratch buffers, the attribute-key buffer
/// and the per-event <c>EventState</c>; pure value helpers live in <see cref="JsonValues"/>.
/// </para>
/// </summary>
public sealed class EventParser : IDisposable
{
    private const int MaxKeyBytes = JsonValues.MaxKeyBytes;

    private readonly IngestLimits _limits;
    private readonly IIpHasher _ipHasher;
    private readonly EventIdGenerator _ids;
    private readonly IPatternNamer? _patterns;
    private byte[] _scratch;
    private byte[] _key;

    public EventParser(IngestLimits limits, IIpHasher ipHasher, EventIdGenerator ids, IPatternNamer? patterns = null)
    {
        _limits = limits;
        _ipHasher = ipHasher;
        _ids = ids;
        _patterns = patterns;
        _scratch = ArrayPool<byte>.Shared.Rent(limits.MaxFieldBytes + 16);
        _key = ArrayPool<byte>.Shared.Rent(MaxKeyBytes);
    }

    /// <summary>
    /// Parses the object whose StartObject the reader is on. On success one row is committed to
    /// <paramref name="batch"/>; on a content error nothing is, the reader is left on the object's EndObject and
    /// the error returned. JSON syntax errors throw <see cref="JsonException"/> with the row abandoned.
    /// </summary>
    public FieldError? ParseObject(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, in ParseContext context)
    {
        var startDepth = reader.CurrentDepth;
        var state = new EventState();
        batch.BeginRow();
        try
        {
            var error = ReadProperties(json, ref reader, batch, context, ref state);
            error ??= Complete(batch, context, ref state);
            if (error is not null)
            {
                batch.AbandonRow();
                JsonValues.SkipToEnd(ref reader, startDepth);
            }

            return error;
        }
        catch
        {
            if (batch.OpenRowBytes > 0)
            {
                batch.AbandonRow();
            }

            throw;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_scratch);
        ArrayPool<byte>.Shared.Return(_key);
        _scratch = [];
        _key = [];
    }

    private FieldError? ReadProperties(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, in ParseContext context, ref EventState state)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameLength = JsonValues.CopyName(ref reader, _key);
            if (nameLength < 0)
            {
                return NameError(nameLength, null);
            }

            reader.Read();
            var name = _key.AsSpan(0, nameLength);
            var field = NativeFieldNames.Match(name);
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            var error = field.Role switch
            {
                // While the server names patterns, pattern_id is its own: a client's value is kept as an attribute.
                FieldRole.Canonical when field.Tag == FieldTag.PatternId && _patterns is not null => ReadUnknown(json, ref reader, batch, name, ref state),
                FieldRole.Canonical => ReadCanonical(json, ref reader, batch, field.Tag, name, ref state),
                // A second spelling of a field already set falls through to the attributes, like canonical fields.
                FieldRole.Timestamp when state.Timestamp is null => ReadTimestamp(ref reader, name, ref state),
                FieldRole.Level or FieldRole.Severity when state.Level is null => ReadLevel(ref reader, field.Role, ref state),
                FieldRole.Kind when state.Kind is null => ReadKind(ref reader, name, ref state),
                FieldRole.ClientIp when !state.Seen(FieldTag.IpHash) => ReadClientIp(ref reader, batch, name, ref state),
                FieldRole.Attributes when reader.TokenType == JsonTokenType.StartObject =>
                    Flatten(json, ref reader, batch, 0, 1, hashLeaves: false, ref state),
                FieldRole.ClickId => ReadClickId(json, ref reader, batch, name, ref state),
                _ => ReadUnknown(json, ref reader, batch, name, ref state),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private FieldError? Complete(EventBatchBuilder batch, in ParseContext context, ref EventState state)
    {
        var kind = state.Kind ?? (state.HasTrafficField || context.DefaultKind == EventKind.Traffic ? EventKind.Traffic : EventKind.Log);
        if (kind == EventKind.Log && !state.Seen(FieldTag.Message))
        {
            return new FieldError(ErrorCodes.MissingField, "message", "a log event needs a non-empty 'message'");
        }

        if (!state.Seen(FieldTag.Id))
        {
            _ids.Write(context.ReceivedAtMs, batch.ReserveString(FieldTag.Id, EventIdGenerator.Length));
        }

        if (context.AssignTraceId && !state.Seen(FieldTag.TraceId))
        {
            Span<byte> random = stackalloc byte[16];
            RandomNumberGenerator.Fill(random);
            Convert.TryToHexStringLower(random, batch.ReserveString(FieldTag.TraceId, 32), out _);
        }

        if (context.DefaultSystem is { } system && !state.Seen(FieldTag.System))
        {
            batch.WriteString(FieldTag.System, system);
        }

        if (kind == EventKind.Log && _patterns is not null && !state.Seen(FieldTag.PatternId))
        {
            NamePattern(batch, state.Level ?? EventLevel.Info);
        }

        if (state.ClickIdSeen && !state.Seen(FieldTag.AdClick))
        {
            batch.WriteBoolean(FieldTag.AdClick, true);
        }

        // Flattening repeats key prefixes, so a row can outgrow its JSON; the WAL and recovery refuse rows past this.
        if (batch.OpenRowBytes > RowLayout.MaxRowBytes)
        {
            return EventTooLarge();
        }

        var flags = (state.Seen(FieldTag.Id) ? RowFlags.ClientId : RowFlags.None) | (state.Timestamp is null ? RowFlags.None : RowFlags.ClientTimestamp);
        batch.EndRow(state.Timestamp ?? context.ReceivedAtMs, kind, state.Level ?? EventLevel.Info, flags);
        return null;
    }

    private void NamePattern(EventBatchBuilder batch, EventLevel level)
    {
        // The id is made before it is written: writing may move the buffer the message lies in.
        Span<byte> id = stackalloc byte[IPatternNamer.IdLength];
        if (RowReader.TryGetString(batch.OpenRow, FieldTag.Message, out var message) && _patterns!.TryName(message, level, id))
        {
            batch.WriteString(FieldTag.PatternId, id);
        }
    }

    private FieldError? ReadCanonical(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, FieldTag tag, ReadOnlySpan<byte> name, ref EventState state)
    {
        if (state.Seen(tag))
        {
            // A second spelling of a field already set (say msg beside message): keep it, as an attribute.
            return ReadUnknown(json, ref reader, batch, name, ref state);
        }

        if (tag is FieldTag.Decision or FieldTag.Risk or FieldTag.AdClick)
        {
            state.HasTrafficField = true;
        }

        var info = FieldCatalog.Get(tag);
        switch (info.Type)
        {
            case FieldType.Integer:
                if (!JsonValues.TryReadInteger(ref reader, tag == FieldTag.Risk, out var number))
                {
                    return TypeError(info.Name, "an integer");
                }

                var (min, max) = tag switch
                {
                    FieldTag.Priority => (1, 5),
                    FieldTag.Risk => (0, 100),
                    _ => (0, 999),
                };
                if (number < min || number > max)
                {
                    return new FieldError(ErrorCodes.InvalidValue, info.Name, $"'{info.Name}' must be between {min} and {max}, not {number}");
                }

                batch.WriteInteger(tag, number);
                break;
            case FieldType.Boolean:
                if (!JsonValues.TryReadBoolean(ref reader, out var flag))
                {
                    return TypeError(info.Name, "true or false");
                }

                batch.WriteBoolean(tag, flag);
                break;
            default:
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number))
                {
                    return TypeError(info.Name, "a string");
                }

                var error = ReadText(ref reader, info.Name, out var text);
                if (error is not null)
                {
                    return error;
                }

                if (text.IsEmpty)
                {
                    return null;
                }

                if (tag == FieldTag.IpHash && !LooksHashed(text))
                {
                    // Whatever a client sends as ip_hash is stored only if it already has the hash's shape.
                    _ipHasher.Hash(text, batch.ReserveString(FieldTag.IpHash, _ipHasher.HashLength));
                    break;
                }

                batch.WriteString(tag, text);
                break;
        }

        state.Mark(tag);
        return null;
    }

    private FieldError? ReadTimestamp(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, ref EventState state)
    {
        long ms;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                var ok = reader.TryGetInt64(out var whole)
                    ? Timestamps.TryFromEpoch(whole, out ms)
                    : reader.TryGetDouble(out var fraction) & Timestamps.TryFromEpoch(fraction, out ms);
                if (!ok)
                {
                    return new FieldError(ErrorCodes.InvalidValue, "timestamp", "'timestamp' is out of range (1970 to 9999)");
                }

                break;
            case JsonTokenType.String:
                var error = ReadText(ref reader, "timestamp", out var text);
                if (error is not null)
                {
                    return error;
                }

                if (!Timestamps.TryParse(text, out ms))
                {
                    return new FieldError(ErrorCodes.InvalidValue, "timestamp", "'timestamp' " + Timestamps.WhyNot(text));
                }

                break;
            default:
                return TypeError("timestamp", "an ISO-8601 string or an epoch number");
        }

        state.Timestamp = ms;
        return null;
    }

    private FieldError? ReadLevel(ref Utf8JsonReader reader, FieldRole role, ref EventState state)
    {
        EventLevel level;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when role == FieldRole.Severity:
                if (!reader.TryGetInt64(out var severity) || !Levels.TryFromSeverityNumber(severity, out level))
                {
                    return new FieldError(ErrorCodes.InvalidValue, "level", "a numeric 'severity' must be an OpenTelemetry severity number, 0–24");
                }

                break;
            case JsonTokenType.Number:
                if (!reader.TryGetInt64(out var number) || !Levels.TryFromLevelNumber(number, out level))
                {
                    return new FieldError(ErrorCodes.InvalidValue, "level", "a numeric 'level' must be a pino/bunyan level: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal");
                }

                break;
            case JsonTokenType.String:
                var error = ReadText(ref reader, "level", out var text);
                if (error is not null)
                {
                    return error;
                }

                if (!Levels.TryParse(text, out level))
                {
                    return new FieldError(ErrorCodes.InvalidValue, "level", "'level' must be one of trace, debug, info, warn, error, fatal (or an alias such as warning, err, critical)");
                }

                break;
            default:
                return TypeError("level", "a string or a number");
        }

        state.Level = level;
        return null;
    }

    private FieldError? ReadKind(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, ref EventState state)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return TypeError("kind", "\"log\" or \"traffic\"");
        }

        if (JsonValues.TextEquals(ref reader, "log"u8))
        {
            state.Kind = EventKind.Log;
        }
        else if (JsonValues.TextEquals(ref reader, "traffic"u8))
        {
            state.Kind = EventKind.Traffic;
        }
        else
        {
            return new FieldError(ErrorCodes.InvalidValue, "kind", "'kind' must be \"log\" or \"traffic\"");
        }

        return null;
    }

    private FieldError? ReadClientIp(ref Utf8JsonReader reader, EventBatchBuilder batch, ReadOnlySpan<byte> name, ref EventState state)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return TypeError(System.Text.Encoding.UTF8.GetString(name), "a string");
        }

        var error = ReadText(ref reader, "ip", out var text);
        if (error is not null || text.IsEmpty || state.Seen(FieldTag.IpHash))
        {
            return error;
        }

        _ipHasher.Hash(text, batch.ReserveString(FieldTag.IpHash, _ipHasher.HashLength));
        state.Mark(FieldTag.IpHash);
        return null;
    }

    private FieldError? ReadClickId(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, ReadOnlySpan<byte> name, ref EventState state)
    {
        if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
        {
            state.ClickIdSeen = true;
        }

        return ReadUnknown(json, ref reader, batch, name, ref state);
    }

    /// <summary>A property with no canonical meaning: an attribute; an object is flattened under its name.</summary>
    private FieldError? ReadUnknown(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, ReadOnlySpan<byte> name, ref EventState state)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return Flatten(json, ref reader, batch, name.Length, 1, NativeFieldNames.IsIpName(name), ref state);
        }

        return WriteAttributeValue(json, ref reader, batch, name, NativeFieldNames.IsIpName(name), ref state);
    }

    /// <summary>
    /// Flattens the object the reader is on into attributes whose keys are the first
    /// <paramref name="prefixLength"/> bytes of the key buffer, a dot, and each property name. Below a key that
    /// names a client address (<paramref name="hashLeaves"/>) every value is hashed, whatever its shape.
    /// </summary>
    private FieldError? Flatten(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, int prefixLength, int depth, bool hashLeaves, ref EventState state)
    {
        if (depth > _limits.MaxJsonDepth)
        {
            return new FieldError(ErrorCodes.TooDeep, KeyText(prefixLength), $"objects inside an event may nest at most {_limits.MaxJsonDepth} deep");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = prefixLength == 0 ? 0 : prefixLength + 1;
            if (start >= MaxKeyBytes)
            {
                return new FieldError(ErrorCodes.FieldTooLong, KeyText(prefixLength), $"an attribute name is longer than {MaxKeyBytes} bytes");
            }

            if (prefixLength > 0)
            {
                _key[prefixLength] = (byte)'.';
            }

            // The whole dotted key, prefix included, stays within MaxKeyBytes.
            var length = JsonValues.CopyName(ref reader, _key.AsSpan(start, MaxKeyBytes - start));
            if (length < 0)
            {
                return NameError(length, KeyText(prefixLength));
            }

            reader.Read();
            var keyLength = start + length;
            var hash = hashLeaves || NativeFieldNames.IsIpName(_key.AsSpan(0, keyLength));
            var error = reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.StartObject => Flatten(json, ref reader, batch, keyLength, depth + 1, hash, ref state),
                _ => WriteAttributeValue(json, ref reader, batch, _key.AsSpan(0, keyLength), hash, ref state),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Writes one attribute; with <paramref name="hash"/> (a client address) only its keyed hash is kept.</summary>
    private FieldError? WriteAttributeValue(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventBatchBuilder batch, ReadOnlySpan<byte> key, bool hash, ref EventState state)
    {
        if (++state.Attributes > _limits.MaxAttributesPerEvent)
        {
            return new FieldError(ErrorCodes.TooManyAttributes, "attributes", $"an event may carry at most {_limits.MaxAttributesPerEvent} attributes");
        }

        ReadOnlySpan<byte> value;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var error = ReadText(ref reader, null, out var text, key);
                if (error is not null)
                {
                    return error;
                }

                return WriteAttribute(batch, key, text, hash);
            case JsonTokenType.Number:
                value = reader.ValueSpan;
                break;
            case JsonTokenType.True:
                value = "true"u8;
                break;
            case JsonTokenType.False:
                value = "false"u8;
                break;
            case JsonTokenType.StartArray:
                // Arrays are kept as their JSON text.
                var begin = (int)reader.TokenStartIndex;
                reader.Skip();
                value = json[begin..(int)reader.BytesConsumed];
                if (!Utf8.IsValid(value))
                {
                    return new FieldError(ErrorCodes.InvalidUtf8, KeyText(key), "the value is not valid UTF-8");
                }

                break;
            default:
                return TypeError(KeyText(key), "a string, number, boolean, object or array");
        }

        if (value.Length > _limits.MaxFieldBytes)
        {
            return TooLong(KeyText(key));
        }

        return WriteAttribute(batch, key, value, hash);
    }

    private FieldError? WriteAttribute(EventBatchBuilder batch, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool hash)
    {
        // Flattening repeats key prefixes, so the row is bounded as it grows, not only once it is complete.
        if (batch.OpenRowBytes + key.Length + value.Length > RowLayout.MaxRowBytes)
        {
            return EventTooLarge();
        }

        if (!hash)
        {
            batch.WriteAttribute(key, value);
            return null;
        }

        Span<byte> hashed = stackalloc byte[_ipHasher.HashLength];
        _ipHasher.Hash(value, hashed);
        batch.WriteAttribute(key, hashed);
        return null;
    }

    /// <summary>Reads a string (unescaped) or a number's text, enforcing the field length limit and UTF-8.</summary>
    private FieldError? ReadText(ref Utf8JsonReader reader, string? field, out ReadOnlySpan<byte> text, scoped ReadOnlySpan<byte> key = default)
    {
        text = default;
        var raw = reader.ValueSpan;
        if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
        {
            if (raw.Length > _limits.MaxFieldBytes * 6)
            {
                return TooLong(field ?? KeyText(key));
            }

            var scratch = raw.Length <= _scratch.Length ? _scratch : new byte[raw.Length];
            if (!JsonValues.TryUnescape(ref reader, scratch, out var written))
            {
                return new FieldError(ErrorCodes.InvalidUtf8, field ?? KeyText(key), "the value is not valid UTF-8 (or escapes a lone surrogate)");
            }

            raw = scratch.AsSpan(0, written);

            // Only an escape can put NUL in JSON text. The engine's string APIs stop at NUL, so a value holding one
            // would read differently in memory and in parts: it is refused, as lone surrogates are.
            if (raw.Contains((byte)0))
            {
                return new FieldError(ErrorCodes.InvalidValue, field ?? KeyText(key), $"'{field ?? KeyText(key)}' holds a NUL character (\\u0000), which is not accepted");
            }
        }

        if (raw.Length > _limits.MaxFieldBytes)
        {
            return TooLong(field ?? KeyText(key));
        }

        if (!Utf8.IsValid(raw))
        {
            return new FieldError(ErrorCodes.InvalidUtf8, field ?? KeyText(key), "the value is not valid UTF-8");
        }

        text = raw;
        return null;
    }

    private bool LooksHashed(ReadOnlySpan<byte> text)
    {
        if (text.Length != _ipHasher.HashLength)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static FieldError NameError(int code, string? parent) => code switch
    {
        JsonValues.InvalidName => new FieldError(ErrorCodes.InvalidUtf8, parent, "a property name is not valid UTF-8"),
        JsonValues.NulInName => new FieldError(ErrorCodes.InvalidValue, parent, "a property name holds a NUL character (\\u0000), which is not accepted"),
        _ => new FieldError(ErrorCodes.FieldTooLong, parent, $"a property name is longer than {MaxKeyBytes} bytes"),
    };

    private FieldError TooLong(string field) =>
        new(ErrorCodes.FieldTooLong, field, $"'{field}' is longer than {_limits.MaxFieldBytes} bytes");

    private static FieldError EventTooLarge() =>
        new(ErrorCodes.EventTooLarge, null, $"the event is larger than {RowLayout.MaxRowBytes} bytes once encoded");

    private static FieldError TypeError(string field, string expected) =>
        new(ErrorCodes.InvalidType, field, $"'{field}' must be {expected}");

    private string KeyText(int prefixLength) => System.Text.Encoding.UTF8.GetString(_key, 0, prefixLength);

    private static string KeyText(ReadOnlySpan<byte> key) => System.Text.Encoding.UTF8.GetString(key);

    /// <summary>What has been seen of the event being parsed.</summary>
    private struct EventState
    {
        private ulong _seen;

        public long? Timestamp;
        public EventLevel? Level;
        public EventKind? Kind;
        public bool HasTrafficField;
        public bool ClickIdSeen;
        public int Attributes;

        public readonly bool Seen(FieldTag tag) => (_seen & (1UL << (int)tag)) != 0;

        public void Mark(FieldTag tag) => _seen |= 1UL << (int)tag;
    }
}
