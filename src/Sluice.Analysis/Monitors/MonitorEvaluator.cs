using System.Globalization;

namespace Sluice.Analysis.Monitors;

/// <summary>Turns a monitor's counts into a <see cref="MonitorReading"/>: pure arithmetic on its buckets, no query.</summary>
internal static class MonitorEvaluator
{
    /// <summary>The reading of the window [end − window, end): observed from minute buckets when they hold it (exact), else from hours.</summary>
    public static MonitorReading Read(MonitorSpec spec, CountBuckets buckets, long endMs, bool exactObserved = true)
    {
        var startMs = endMs - (spec.WindowMinutes * CountBuckets.MinuteMs);
        double? observed = exactObserved ? buckets.MinuteWindow(startMs, endMs) : null;
        observed ??= buckets.HourWindow(startMs, endMs);
        var expectation = Baseline.Expect(spec.Baseline, buckets, startMs, endMs);
        if (observed is null || expectation is null)
        {
            var why = observed is null ? "no counts for the window" : "no history for the baseline yet";
            return new MonitorReading(startMs, endMs, MonitorStatus.NoData, observed, expectation?.Expected, null, null, null, null, null, why);
        }

        var (expected, sigma, _) = expectation.Value;
        var t = spec.Threshold;
        var (lower, upper) = t.Mode == ThresholdMode.Percent
            ? (expected * (1 - (t.Warning / 100)), expected * (1 + (t.Warning / 100)))
            : (expected - (t.Warning * sigma), expected + (t.Warning * sigma));
        lower = Math.Max(0, lower);

        var deviation = t.Mode == ThresholdMode.Percent
            ? (expected > 0 ? (observed.Value - expected) / expected * 100 : observed.Value > 0 ? double.PositiveInfinity : 0)
            : (observed.Value - expected) / sigma;
        var severity = t.Direction switch
        {
            Direction.Drop => -deviation,
            Direction.Spike => deviation,
            _ => Math.Abs(deviation),
        };
        var status = severity >= t.Critical ? MonitorStatus.Critical : severity >= t.Warning ? MonitorStatus.Warning : MonitorStatus.Ok;
        var gap = observed.Value - expected;
        double? gapValue = spec.ValuePerEvent is { } per ? gap * per : null;
        return new MonitorReading(startMs, endMs, status, observed, expected, lower, upper, Finite(deviation), gap, gapValue,
            Summary(spec, gap, gapValue));
    }

    /// <summary>"1,240 events, about 310 €, below baseline in the last hour".</summary>
    public static string Summary(MonitorSpec spec, double gap, double? gapValue)
    {
        var c = CultureInfo.InvariantCulture;
        var events = Math.Abs(Math.Round(gap));
        var text = string.Format(c, "{0:N0} event{1}", events, events == 1 ? "" : "s");
        if (gapValue is { } value)
        {
            text += string.Format(c, ", about {0:N0}{1}", Math.Abs(Math.Round(value)), spec.Unit is { Length: > 0 } unit ? " " + unit : "");
        }

        var side = gap < 0 ? "below" : "above";
        var window = spec.WindowMinutes == 60 ? "hour" : spec.WindowMinutes % 60 == 0
            ? string.Format(c, "{0} hours", spec.WindowMinutes / 60)
            : string.Format(c, "{0} minute{1}", spec.WindowMinutes, spec.WindowMinutes == 1 ? "" : "s");
        return $"{text}, {side} baseline in the last {window}";
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
