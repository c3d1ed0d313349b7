using Sluice.Analysis.Monitors;

namespace Sluice.Tests.Analysis;

/// <summary>Each baseline kind gives the expected count and band on a crafted series.</summary>
public sealed class BaselineTests
{
    private const long Hour = 3_600_000;
    private const long Day = 24 * Hour;
    private static readonly long Now = 1_767_225_600_000 + (20 * Day) + (10 * Hour); // a whole hour, 20 days in

    [Fact]
    public void Same_hour_last_week_expects_that_window_and_a_percent_band_around_it()
    {
        var buckets = Crafted(day => day == 7 ? 400 : 1000);
        var spec = new MonitorSpec { Name = "m", Query = "kind:traffic", Threshold = new() { Mode = ThresholdMode.Percent, Warning = 10, Critical = 20 } };
        var reading = MonitorEvaluator.Read(spec, buckets, Now);
        Assert.Equal(400, reading.Expected);
        Assert.Equal(360, reading.Lower!.Value, 6);
        Assert.Equal(440, reading.Upper!.Value, 6);
        Assert.Equal(500, reading.Observed); // today's hour: 500
        Assert.Equal(MonitorStatus.Critical, reading.Status);
    }

    [Fact]
    public void Median_and_mad_of_the_same_hour_give_the_median_and_a_z_band()
    {
        // The last five days' hours: 10, 12, 14, 100, 11 → median 12; deviations 2, 0, 2, 88, 1 → MAD 2.
        long[] days = [11, 100, 14, 12, 10]; // day 1 (yesterday) first
        var buckets = Crafted(day => day is >= 1 and <= 5 ? days[day - 1] : 0, today: 12);
        var spec = new MonitorSpec
        {
            Name = "m", Query = "kind:traffic",
            Baseline = new() { Kind = BaselineKind.MedianMad, Days = 5 },
            Threshold = new() { Mode = ThresholdMode.ZScore, Warning = 2, Critical = 3 },
        };
        var reading = MonitorEvaluator.Read(spec, buckets, Now);
        var sigma = 1.4826 * 2;
        Assert.Equal(12, reading.Expected);
        Assert.Equal(12 - (2 * sigma), reading.Lower!.Value, 6);
        Assert.Equal(12 + (2 * sigma), reading.Upper!.Value, 6);
        Assert.Equal(MonitorStatus.Ok, reading.Status);
    }

    [Fact]
    public void Ewma_of_the_same_hour_weights_the_newest_day_by_alpha()
    {
        // Oldest to newest: 10 then 20, α = 0.5 → mean 15, variance 0.5 × (0 + 0.5 × 100) = 25, sigma 5.
        var buckets = Crafted(day => day == 2 ? 10 : day == 1 ? 20 : 0, today: 35);
        var spec = new MonitorSpec
        {
            Name = "m", Query = "kind:traffic",
            Baseline = new() { Kind = BaselineKind.Ewma, Days = 2, Alpha = 0.5 },
            Threshold = new() { Mode = ThresholdMode.ZScore, Warning = 2, Critical = 3, Direction = Direction.Spike },
        };
        var reading = MonitorEvaluator.Read(spec, buckets, Now);
        Assert.Equal(15, reading.Expected!.Value, 9);
        Assert.Equal(5, reading.Lower!.Value, 9);
        Assert.Equal(25, reading.Upper!.Value, 9);
        Assert.Equal(4, reading.Deviation!.Value, 9);
        Assert.Equal(MonitorStatus.Critical, reading.Status);
    }

    [Fact]
    public void A_window_without_history_has_no_data()
    {
        var buckets = new CountBuckets(24 * 36, Now - Hour);
        buckets.Add(Now - 1, 5);
        var reading = MonitorEvaluator.Read(new MonitorSpec { Name = "m", Query = "x" }, buckets, Now);
        Assert.Equal(MonitorStatus.NoData, reading.Status);
    }

    [Fact]
    public void A_window_cutting_hours_reads_them_in_proportion()
    {
        var buckets = new CountBuckets(48, Now - (10 * Hour));
        buckets.AddHour(Now - (2 * Hour), 600);
        buckets.AddHour(Now - Hour, 1200);
        Assert.Equal(300 + 600, buckets.HourWindow(Now - (90 * 60_000), Now - (30 * 60_000)));
    }

    /// <summary>Hour buckets: the window's hour <c>day</c> days back holds <paramref name="dayCount"/>(day); today's holds <paramref name="today"/>.</summary>
    private static CountBuckets Crafted(Func<int, long> dayCount, long today = 500)
    {
        var buckets = new CountBuckets((35 * 24) + 2, Now - (15 * Day));
        for (var day = 1; day <= 14; day++)
        {
            buckets.AddHour(Now - Hour - (day * Day), dayCount(day));
        }

        buckets.AddMinute(Now - Hour, today);
        buckets.AddHour(Now - Hour, today);
        return buckets;
    }
}
