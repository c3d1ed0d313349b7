using System.Globalization;

namespace Sluice.Cli.Commands;

/// <summary>
/// The range a read command asks about: <c>--since 1h</c> (up to now), or <c>--start T [--end T]</c> as the server
/// reads them (ISO-8601 or epoch); neither leaves the server's own default.
/// </summary>
internal sealed record TimeRange(string? Start, string? End)
{
    public static TimeRange From(CommandLine args, string? defaultSince = null)
    {
        var since = args.Get("since");
        var start = args.Get("start");
        var end = args.Get("end");
        if (since is not null && (start is not null || end is not null))
        {
            throw new UsageException("give --since or --start/--end, not both");
        }

        since ??= start is null && end is null ? defaultSince : null;
        if (since is null)
        {
            return new TimeRange(start, end);
        }

        var now = DateTimeOffset.UtcNow;
        return new TimeRange((now - ParseDuration(since, "since")).ToString("O", CultureInfo.InvariantCulture), null);
    }

    /// <summary>Appends <c>start_time</c>/<c>end_time</c> to a query string.</summary>
    public string Query()
    {
        var parts = new List<string>();
        if (Start is not null)
        {
            parts.Add("start_time=" + Uri.EscapeDataString(Start));
        }

        if (End is not null)
        {
            parts.Add("end_time=" + Uri.EscapeDataString(End));
        }

        return string.Join('&', parts);
    }

    /// <summary>The range as a filter of the query language, for the endpoints that take it only in the query.</summary>
    public string? AsFilter() => (Start, End) switch
    {
        (null, null) => null,
        _ => $"_time:[{Start ?? "1970-01-01T00:00:00Z"},{End ?? "9999-12-31T23:59:59Z"})",
    };

    /// <summary><c>30s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>.</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
                case 'w': return TimeSpan.FromDays(7 * n);
            }
        }

        throw new UsageException($"--{option} must be a duration like 30s, 15m, 1h, 2d or 1w, not '{text}'");
    }
}
