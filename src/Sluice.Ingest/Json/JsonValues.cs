using System.Buffers.Text;
using System.Text.Json;

namespace Sluice.Ingest.Json;

/// <summary>Value readers the event parser shares: lenient numbers and booleans, names, unescaping, skipping.</summary>
internal static class JsonValues
{
    /// <summary>Longest property or attribute name accepted, in bytes.</summary>
    internal const int MaxKeyBytes = 512;

    /// <summary>What <see cref="CopyName"/> returns for a name that is not valid UTF-8 (−1 means too long).</summary>
    internal const int InvalidName = -2;

    /// <summary>What <see cref="CopyName"/> returns for a name that holds NUL (<c>\u0000</c>).</summary>
    internal const int NulInName = -3;

    internal static bool TryReadInteger(ref Utf8JsonReader reader, bool allowFraction, out long value)
    {
        value = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out value))
                {
                    return true;
                }

                if (allowFraction && reader.TryGetDouble(out var d) && Math.Abs(d) < long.MaxValue)
                {
                    value = (long)Math.Round(d);
                    return true;
                }

                return false;
            case JsonTokenType.String when !reader.ValueIsEscaped:
                var span = reader.ValueSpan;
                if (Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length)
                {
                    return true;
                }

                if (allowFraction && Utf8Parser.TryParse(span, out double fraction, out consumed) && consumed == span.Length && Math.Abs(fraction) < long.MaxValue)
                {
                    value = (long)Math.Round(fraction);
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    internal static bool TryReadBoolean(ref Utf8JsonReader reader, out bool value)
    {
        value = false;
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                value = true;
                return true;
            case JsonTokenType.False:
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var n) && n is 0 or 1:
                value = n == 1;
                return true;
            case JsonTokenType.String:
                if (TextEquals(ref reader, "true"u8) || TextEquals(ref reader, "1"u8))
                {
                    value = true;
                    return true;
                }

                return TextEquals(ref reader, "false"u8) || TextEquals(ref reader, "0"u8);
            default:
                return false;
        }
    }

    /// <summary>Copies the (unescaped) property name into <paramref name="destination"/>; -1 when it does not fit.</summary>
    internal static int CopyName(ref Utf8JsonReader reader, Span<byte> destination)
    {
        var limit = Math.Min(destination.Length, MaxKeyBytes);
        if (!reader.ValueIsEscaped)
        {
            var raw = reader.ValueSpan;
            if (raw.Length > limit)
            {
                return -1;
            }

            if (!System.Text.Unicode.Utf8.IsValid(raw))
            {
                return InvalidName;
            }

            raw.CopyTo(destination);
            return raw.Length;
        }

        if (reader.ValueSpan.Length > limit * 6)
        {
            return -1;
        }

        Span<byte> unescaped = stackalloc byte[MaxKeyBytes * 6];
        if (!TryUnescape(ref reader, unescaped, out var written))
        {
            return InvalidName;
        }

        if (written > limit)
        {
            return -1;
        }

        // Only an escape can put NUL in JSON text (a raw control byte does not parse).
        if (unescaped[..written].Contains((byte)0))
        {
            return NulInName;
        }

        unescaped[..written].CopyTo(destination);
        return written;
    }

    /// <summary>
    /// Whether the current string or name is <paramref name="literal"/>. <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/>
    /// throws on a lone surrogate escape; such text equals no literal.
    /// </summary>
    internal static bool TextEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> literal)
    {
        try
        {
            return reader.ValueTextEquals(literal);
        }
        catch (InvalidOperationException e) when (JsonErrorText.IsInvalidText(e))
        {
            return false;
        }
    }

    /// <summary>CopyString throws on invalid UTF-8 or a lone surrogate escape; here that is bad input, not a bug.</summary>
    internal static bool TryUnescape(ref Utf8JsonReader reader, scoped Span<byte> destination, out int written)
    {
        try
        {
            written = reader.CopyString(destination);
            return true;
        }
        catch (InvalidOperationException)
        {
            written = 0;
            return false;
        }
    }

    /// <summary>Moves the reader to the EndObject of the event that started at <paramref name="depth"/>.</summary>
    internal static void SkipToEnd(ref Utf8JsonReader reader, int depth)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > depth)
        {
            reader.Skip();
        }

        while (!(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (!reader.Read())
            {
                throw new JsonException("the event object does not end");
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
    }
}
