namespace Sluice.Analysis.Monitors;

/// <summary>What a baseline expects for a window: the count and its spread (sigma), from the window's past samples.</summary>
internal readonly record struct Expectation(double Expected, double Sigma, int Samples);

/// <summary>
/// Computes a monitor's expectation for the window [start, end) from the same window on earlier days, read from
/// hour buckets (<see cref="CountBuckets.HourWindow"/>). Where a spread is zero or undefined the Poisson spread
/// √max(expected, 1) stands in, so a z-score is always finite.
/// </summary>
internal static class Baseline
{
    public const long DayMs = 24 * CountBuckets.HourMs;

    public static Expectation? Expect(BaselineSpec spec, CountBuckets buckets, long startMs, long endMs)
    {
        if (spec.Kind == BaselineKind.SameHourLastWeek)
        {
            return buckets.HourWindow(startMs - (7 * DayMs), endMs - (7 * DayMs)) is { } lastWeek
                ? new Expectation(lastWeek, Poisson(lastWeek), 1)
                : null;
        }

        // Oldest first, for the EWMA; days without data are skipped.
        var samples = new List<double>(spec.Days);
        for (var day = spec.Days; day >= 1; day--)
        {
            if (buckets.HourWindow(startMs - (day * DayMs), endMs - (day * DayMs)) is { } sample)
            {
                samples.Add(sample);
            }
        }

        if (samples.Count == 0)
        {
            return null;
        }

        return spec.Kind == BaselineKind.MedianMad ? MedianMad(samples) : Ewma(samples, spec.Alpha);
    }

    /// <summary>Median, and 1.4826 × the median absolute deviation (the normal-consistent MAD).</summary>
    public static Expectation MedianMad(List<double> samples)
    {
        var median = Median(samples);
        var mad = Median(samples.Select(s => Math.Abs(s - median)).ToList());
        var sigma = 1.4826 * mad;
        return new Expectation(median, sigma > 0 ? sigma : Poisson(median), samples.Count);
    }

    /// <summary>EWMA mean m ← m + α(x − m) and variance v ← (1 − α)(v + α(x − m)²), starting at the oldest sample.</summary>
    public static Expectation Ewma(List<double> samples, double alpha)
    {
        var mean = samples[0];
        var variance = 0.0;
        foreach (var x in samples.Skip(1))
        {
            var d = x - mean;
            mean += alpha * d;
            variance = (1 - alpha) * (variance + (alpha * d * d));
        }

        var sigma = Math.Sqrt(variance);
        return new Expectation(mean, sigma > 0 ? sigma : Poisson(mean), samples.Count);
    }

    private static double Poisson(double expected) => Math.Sqrt(Math.Max(expected, 1));

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
