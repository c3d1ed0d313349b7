namespace Sluice.Core.Events;

/// <summary>Maps the level spellings in the wild onto <see cref="EventLevel"/> (table in docs/design.md §4).</summary>
public static class Levels
{
    private static readonly string[] Names = ["trace", "debug", "info", "warn", "error", "fatal"];
    private static readonly byte[][] Utf8Names = [.. Names.Select(System.Text.Encoding.UTF8.GetBytes)];

    public static string Name(EventLevel level) => Names[(int)level];

    public static ReadOnlySpan<byte> Utf8Name(EventLevel level) => Utf8Names[(int)level];

    /// <summary>Case-insensitive: trace/verbose, debug, info/information/log/notice, warn/warning, error/err, fatal/critical/alert/emergency/panic.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out EventLevel level)
    {
        Span<byte> lower = stackalloc byte[16];
        if (utf8.Length is 0 or > 16)
        {
            level = default;
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            lower[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }

        lower = lower[..utf8.Length];
        level = lower switch
        {
            _ when lower.SequenceEqual("info"u8) || lower.SequenceEqual("information"u8) || lower.SequenceEqual("informational"u8)
                || lower.SequenceEqual("inf"u8) || lower.SequenceEqual("log"u8) || lower.SequenceEqual("notice"u8) => EventLevel.Info,
            _ when lower.SequenceEqual("error"u8) || lower.SequenceEqual("err"u8) || lower.SequenceEqual("eror"u8) => EventLevel.Error,
            _ when lower.SequenceEqual("warn"u8) || lower.SequenceEqual("warning"u8) || lower.SequenceEqual("wrn"u8) => EventLevel.Warn,
            _ when lower.SequenceEqual("debug"u8) || lower.SequenceEqual("dbg"u8) => EventLevel.Debug,
            _ when lower.SequenceEqual("trace"u8) || lower.SequenceEqual("verbose"u8) || lower.SequenceEqual("trc"u8) || lower.SequenceEqual("vrb"u8) => EventLevel.Trace,
            _ when lower.SequenceEqual("fatal"u8) || lower.SequenceEqual("critical"u8) || lower.SequenceEqual("crit"u8) || lower.SequenceEqual("alert"u8)
                || lower.SequenceEqual("emerg"u8) || lower.SequenceEqual("emergency"u8) || lower.SequenceEqual("panic"u8) || lower.SequenceEqual("ftl"u8) => EventLevel.Fatal,
            _ => (EventLevel)255,
        };
        return level != (EventLevel)255;
    }

    /// <summary>
    /// OpenTelemetry severity numbers: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal;
    /// 0 (unspecified) reads as info.
    /// </summary>
    public static bool TryFromSeverityNumber(long number, out EventLevel level)
    {
        level = number switch
        {
            0 => EventLevel.Info,
            >= 1 and <= 24 => (EventLevel)((number - 1) / 4),
            _ => (EventLevel)255,
        };
        return level != (EventLevel)255;
    }

    /// <summary>
    /// pino/bunyan level numbers, by band so custom levels in between still land: ≤ 10 trace, ≤ 20 debug,
    /// ≤ 30 info, ≤ 40 warn, ≤ 50 error, above fatal. Zero and negatives are not levels.
    /// </summary>
    public static bool TryFromLevelNumber(long number, out EventLevel level)
    {
        level = number switch
        {
            <= 0 => (EventLevel)255,
            <= 10 => EventLevel.Trace,
            <= 20 => EventLevel.Debug,
            <= 30 => EventLevel.Info,
            <= 40 => EventLevel.Warn,
            <= 50 => EventLevel.Error,
            _ => EventLevel.Fatal,
        };
        return level != (EventLevel)255;
    }
}
