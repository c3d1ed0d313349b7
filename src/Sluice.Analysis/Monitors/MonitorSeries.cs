namespace Sluice.Analysis.Monitors;

/// <summary>A monitor's recent hours with their baseline band, read from its hour buckets (what its chart draws).</summary>
internal static class MonitorSeries
{
    public static IReadOnlyList<MonitorReading> Hourly(LiveMonitor monitor, long nowMs, int hours)
    {
        var hourly = monitor.Spec with { WindowMinutes = 60 };
        var current = CountBuckets.FloorDiv(nowMs, CountBuckets.HourMs);
        var points = new List<MonitorReading>(hours);
        for (var h = current - hours + 1; h <= current; h++)
        {
            points.Add(MonitorEvaluator.Read(hourly, monitor.Buckets, (h + 1) * CountBuckets.HourMs, exactObserved: false));
        }

        return points;
    }
}
