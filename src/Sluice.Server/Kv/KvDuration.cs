using System.Globalization;
using System.Text.Json;

namespace Sluice.Server.Kv;

/// <summary>
/// Times to live as clients write them: a number of seconds (<c>30</c>, <c>0.5</c>), or a number with a unit
/// (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>). In JSON, a number (seconds) or such a string.
/// </summary>
internal static class KvDuration
{
    public static bool TryParse(string text, out long ms)
    {
        ms = 0;
        text = text.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1d),
            _ when text.EndsWith('s') => (text[..^1], 1_000d),
            _ when text.EndsWith('m') => (text[..^1], 60_000d),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000d),
            _ when text.EndsWith('d') => (text[..^1], 86_400_000d),
            _ => (text, 1_000d),
        };
        if (number.Length == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var total = value * scale;
        if (double.IsNaN(total) || total > long.MaxValue / 2)
        {
            return false;
        }

        ms = (long)Math.Round(total);
        return true;
    }

    public static bool TryParse(JsonElement element, out long ms)
    {
        ms = 0;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var seconds) && seconds is >= 0 and < long.MaxValue / 2000d)
        {
            ms = (long)Math.Round(seconds * 1000);
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            return TryParse(element.GetString() ?? "", out ms);
        }
        catch (InvalidOperationException)
        {
            return false; // a lone surrogate escape: valid JSON, but no text
        }
    }

    public const string Expected = "a number of seconds, or a number with ms, s, m, h or d (e.g. 500ms, 30s, 1h)";
}
