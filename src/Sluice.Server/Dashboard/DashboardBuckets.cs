namespace Sluice.Server.Dashboard;

/// <summary>Bucket widths for the dashboard's charts: the smallest of a round set that keeps a range to about 120 bars.</summary>
public static class DashboardBuckets
{
    private const int MostBars = 120;

    private static readonly long[] Widths =
    [
        1_000, 5_000, 10_000, 30_000, 60_000, 5 * 60_000, 10 * 60_000, 30 * 60_000,
        3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 7 * 86_400_000,
    ];

    public static long For(long rangeMs)
    {
        foreach (var width in Widths)
        {
            // Past six hours, whole hours only: a sealed hour then falls into one bar and is read from its summary.
            if (rangeMs / width <= MostBars && (rangeMs <= 6 * 3_600_000 || width % 3_600_000 == 0))
            {
                return width;
            }
        }

        return Widths[^1] * ((rangeMs / Widths[^1] / MostBars) + 1);
    }
}
