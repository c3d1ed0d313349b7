using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Sluice.Core.Events;

/// <summary>Normalises event times to Unix milliseconds UTC.</summary>
public static class Timestamps
{
    /// <summary>Earliest accepted time: 1970-01-01.</summary>
    public const long MinMs = 0;

    /// <summary>Latest accepted time: 9999-12-31.</summary>
    public const long MaxMs = 253_402_300_799_999;

    /// <summary>
    /// Epoch numbers are read by magnitude: below 10^11 seconds, up to <see cref="MaxMs"/> (9999-12-31)
    /// milliseconds, below 10^17 microseconds, otherwise nanoseconds — so any date from 1979 to 5138 is read the
    /// same in every unit, and the largest time in milliseconds (an open end of a range) is read as such.
    /// </summary>
    public static bool TryFromEpoch(double value, out long milliseconds)
    {
        milliseconds = 0;
        if (double.IsNaN(value) || double.IsInfinity(value) || value < 0)
        {
            return false;
        }

        var ms = value switch
        {
            < 1e11 => value * 1000d,
            <= MaxMs => value,
            < 1e17 => value / 1000d,
            _ => value / 1_000_000d,
        };
        milliseconds = (long)Math.Floor(ms);
        return milliseconds is >= MinMs and <= MaxMs;
    }

    public static bool TryFromEpoch(long value, out long milliseconds)
    {
        milliseconds = value switch
        {
            < 0 => -1,
            < 100_000_000_000L => value * 1000,
            <= MaxMs => value,
            < 100_000_000_000_000_000L => value / 1000,
            _ => value / 1_000_000,
        };
        return milliseconds is >= MinMs and <= MaxMs;
    }

    /// <summary>ISO-8601 (offset or Z; no offset means UTC), or an epoch number written as a string.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out long milliseconds)
    {
        milliseconds = 0;
        if (utf8.IsEmpty || utf8.Length > 64)
        {
            return false;
        }

        if (IsNumeric(utf8))
        {
            if (Utf8Parser.TryParse(utf8, out long whole, out var consumed) && consumed == utf8.Length)
            {
                return TryFromEpoch(whole, out milliseconds);
            }

            return Utf8Parser.TryParse(utf8, out double fractional, out consumed) && consumed == utf8.Length
                && TryFromEpoch(fractional, out milliseconds);
        }

        Span<char> chars = stackalloc char[64];
        var count = Encoding.UTF8.GetChars(utf8, chars);
        if (!DateTimeOffset.TryParse(chars[..count], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        milliseconds = parsed.ToUnixTimeMilliseconds();
        return milliseconds is >= MinMs and <= MaxMs;
    }

    /// <summary>Parses a query parameter: epoch (any unit) or ISO-8601.</summary>
    public static bool TryParse(string text, out long milliseconds) => TryParse(Encoding.UTF8.GetBytes(text), out milliseconds);

    /// <summary>
    /// Why <see cref="TryParse(ReadOnlySpan{byte}, out long)"/> refused <paramref name="utf8"/>, to end an error
    /// message: a well-formed time outside 1970–9999 is out of range, not "not ISO-8601".
    /// </summary>
    public static string WhyNot(ReadOnlySpan<byte> utf8)
    {
        var wellFormed = false;
        if (!utf8.IsEmpty && utf8.Length <= 64)
        {
            if (IsNumeric(utf8))
            {
                wellFormed = Utf8Parser.TryParse(utf8, out double _, out var consumed) && consumed == utf8.Length;
            }
            else
            {
                Span<char> chars = stackalloc char[64];
                var count = Encoding.UTF8.GetChars(utf8, chars);
                wellFormed = DateTimeOffset.TryParse(chars[..count], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
            }
        }

        return wellFormed
            ? "is out of range (1970-01-01 to 9999-12-31)"
            : "is neither ISO-8601 nor an epoch number (s, ms, µs or ns)";
    }

    public static string WhyNot(string text) => WhyNot(Encoding.UTF8.GetBytes(text));

    public static string ToIso(long milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool IsNumeric(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }
}
