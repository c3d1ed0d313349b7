using System.Globalization;

namespace Sluice.Query.Language;

/// <summary>Durations as the language writes them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, <c>1w</c>.</summary>
public static class Durations
{
    /// <summary>The longest duration accepted: 100 years (longer ones overflow arithmetic on epoch milliseconds).</summary>
    public const long MaxMs = 100L * 365 * 86_400_000;

    private static readonly (string Unit, long Ms)[] Units = [("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

    public static bool TryParse(string text, out long milliseconds)
    {
        milliseconds = 0;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || digits > 12 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count == 0)
        {
            return false;
        }

        var unit = text[digits..];
        foreach (var (name, ms) in Units)
        {
            if (unit == name)
            {
                if (count > MaxMs / ms)
                {
                    return false;
                }

                milliseconds = count * ms;
                return true;
            }
        }

        return false;
    }

    /// <summary>The shortest spelling: the largest unit that divides the duration exactly.</summary>
    public static string Format(long milliseconds)
    {
        foreach (var (name, ms) in Units)
        {
            if (milliseconds % ms == 0)
            {
                return (milliseconds / ms).ToString(CultureInfo.InvariantCulture) + name;
            }
        }

        return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    /// <summary>A number as the language prints it: invariant, shortest round-trip form.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
