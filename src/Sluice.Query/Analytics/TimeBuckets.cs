namespace Sluice.Query.Analytics;

/// <summary>Completes time series: every series gets every bucket of the range, with zero where no event fell.</summary>
public static class TimeBuckets
{
    public const int MaxBuckets = 10_000;

    /// <summary>The first bucket start of a range (buckets are aligned to the epoch).</summary>
    public static long Floor(long ms, long bucketMs) => ms - (((ms % bucketMs) + bucketMs) % bucketMs);

    /// <summary>
    /// Rows are (series keys…, bucket start, count). Adds a zero row for each missing bucket of each series seen
    /// (or of the one series when there are no keys), and orders by series, then time.
    /// </summary>
    public static List<object?[]> FillEmpty(List<object?[]> rows, int keys, long startMs, long endMs, long bucketMs)
    {
        var series = new Dictionary<string, (object?[] Keys, HashSet<long> Seen)>(StringComparer.Ordinal);
        if (keys == 0)
        {
            series[""] = ([], []);
        }

        foreach (var row in rows)
        {
            var id = string.Join('\u0001', row.Take(keys).Select(k => k?.ToString() ?? "\u0000"));
            if (!series.TryGetValue(id, out var entry))
            {
                entry = (row[..keys], []);
                series[id] = entry;
            }

            entry.Seen.Add(Convert.ToInt64(row[keys], System.Globalization.CultureInfo.InvariantCulture));
        }

        var filled = new List<object?[]>(rows);
        foreach (var (keyValues, seen) in series.Values)
        {
            for (var bucket = Floor(startMs, bucketMs); bucket < endMs; bucket += bucketMs)
            {
                if (!seen.Contains(bucket))
                {
                    filled.Add([.. keyValues, bucket, 0L]);
                }
            }
        }

        filled.Sort((a, b) =>
        {
            for (var i = 0; i < keys; i++)
            {
                var c = string.CompareOrdinal(a[i]?.ToString(), b[i]?.ToString());
                if (c != 0)
                {
                    return c;
                }
            }

            return Convert.ToInt64(a[keys], System.Globalization.CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(b[keys], System.Globalization.CultureInfo.InvariantCulture));
        });
        return filled;
    }
}
