using System.Buffers;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// Splits a UTF-8 message at whitespace and replaces the values in each token with <c>&lt;*&gt;</c>, keeping the
/// punctuation around them: whole-token shapes first (URL, e-mail, UUID, IP, path, a quoted word), then, inside a token,
/// every part holding a digit (numbers, hex, durations, dates, ids), long hex words and non-word <c>key=value</c> values.
/// </summary>
internal static class VariableMasker
{
    // Bytes that separate the parts of a token; dots, dashes and underscores do not, so 1.5s, a-b-c and blk_12 stay whole.
    private static ReadOnlySpan<byte> DelimiterBytes => "=:,;()[]{}<>\"'`/\\|@#&?+*!$"u8;

    private static readonly bool[] Delimiters = MakeDelimiters();
    private static readonly SearchValues<byte> DelimiterValues = SearchValues.Create(DelimiterBytes);
    private static readonly SearchValues<byte> Spaces = SearchValues.Create(" \t\r\n\f\v"u8);
    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    public static void Mask(ReadOnlySpan<byte> message, MaskedLine line)
    {
        line.Clear();
        var next = NextToken(message, 0);
        while (next.End > next.Start)
        {
            var token = message[next.Start..next.End];
            next = NextToken(message, next.End);
            line.BeginToken();
            if (IsDatePart(token, message[next.Start..next.End], line))
            {
                line.AppendWildcard();
            }
            else
            {
                MaskToken(token, line);
            }
            line.EndToken();
        }
    }

    /// <summary>A weekday or month name beside a number, another date name or a value ("Fri Jun 17 20:55:07").</summary>
    private static bool IsDatePart(ReadOnlySpan<byte> token, ReadOnlySpan<byte> following, MaskedLine line)
    {
        var core = token.TrimEnd(","u8);
        if (!VariableShapes.IsDateWord(core))
        {
            return false;
        }
        return (!following.IsEmpty && (VariableShapes.IsDigit(following[0]) || VariableShapes.IsDateWord(following.TrimEnd(","u8))))
            || (line.Count > 0 && line.HoldsValue(line.Count - 1));
    }

    private static (int Start, int End) NextToken(ReadOnlySpan<byte> message, int from)
    {
        var skip = message[from..].IndexOfAnyExcept(Spaces);
        if (skip < 0)
        {
            return (message.Length, message.Length);
        }
        var start = from + skip;
        var length = message[start..].IndexOfAny(Spaces);
        return (start, length < 0 ? message.Length : start + length);
    }

    private static void MaskToken(ReadOnlySpan<byte> token, MaskedLine line)
    {
        if (token[0] == '[' && VariableShapes.IsIpV6(token.TrimEnd(",;."u8)))
        {
            // A bracketed IPv6 address with a port, whose brackets the punctuation trimming below would split.
            line.AppendWildcard();
            line.Append(token[token.TrimEnd(",;."u8).Length..]);
            return;
        }
        var head = 0;
        while (head < token.Length && IsOpening(token[head]))
        {
            head++;
        }
        var tail = token.Length;
        while (tail > head && IsClosing(token[tail - 1]))
        {
            tail--;
        }
        var core = token[head..tail];
        line.Append(token[..head]);
        var quoted = head > 0 && tail < token.Length && IsQuote(token[head - 1]) && token[tail] == token[head - 1];
        if (core.IsEmpty)
        {
            // All punctuation: kept as it is.
        }
        else if (quoted || VariableShapes.IsWholeValue(core))
        {
            line.AppendWildcard();
        }
        else
        {
            MaskParts(core, line);
        }
        line.Append(token[tail..]);
    }

    /// <summary>Masks the parts of a token between delimiters, and the value after <c>=</c> unless it is a plain word.</summary>
    private static void MaskParts(ReadOnlySpan<byte> core, MaskedLine line)
    {
        var i = 0;
        while (i < core.Length)
        {
            var b = core[i];
            if (Delimiters[b])
            {
                line.Append(b);
                i++;
                if (b == '=' && i > 1 && i < core.Length)
                {
                    i += MaskValue(core[i..], line);
                }
                continue;
            }
            var start = i;
            var length = core[start..].IndexOfAny(DelimiterValues);
            i = length < 0 ? core.Length : start + length;
            var part = core[start..i];
            if (IsVariablePart(part))
            {
                line.AppendWildcard();
            }
            else
            {
                line.Append(part);
            }
        }
    }

    /// <summary>Writes a <c>key=value</c> value (up to a list separator) as a wildcard unless it is a plain word; returns its length.</summary>
    private static int MaskValue(ReadOnlySpan<byte> rest, MaskedLine line)
    {
        var end = rest.IndexOfAny(",;&)]}"u8);
        var value = end < 0 ? rest : rest[..end];
        if (value.IsEmpty || IsPlainWord(value))
        {
            line.Append(value);
        }
        else
        {
            line.AppendWildcard();
        }
        return value.Length;
    }

    private static bool IsVariablePart(ReadOnlySpan<byte> part) =>
        part.ContainsAnyInRange((byte)'0', (byte)'9') || (part.Length >= 8 && !part.ContainsAnyExcept(HexDigits));

    private static bool IsPlainWord(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (!VariableShapes.IsLetter(b) && b != '_' && b != '-' && b < 0x80)
            {
                return false;
            }
        }
        return true;
    }


    private static bool IsQuote(byte b) => b is (byte)'"' or (byte)'\'' or (byte)'`';

    private static bool IsOpening(byte b) => b is (byte)'(' or (byte)'[' or (byte)'{' or (byte)'<' || IsQuote(b);

    private static bool IsClosing(byte b) =>
        b is (byte)')' or (byte)']' or (byte)'}' or (byte)'>' or (byte)',' or (byte)';' or (byte)':' or (byte)'.' or (byte)'!' or (byte)'?'
        || IsQuote(b);

    private static bool[] MakeDelimiters()
    {
        var table = new bool[256];
        foreach (var b in DelimiterBytes)
        {
            table[b] = true;
        }
        return table;
    }
}
