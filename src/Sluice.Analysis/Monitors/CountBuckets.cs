namespace Sluice.Analysis.Monitors;

/// <summary>
/// One monitor's counts: a ring of minute buckets (the recent windows, exact) and a ring of hour buckets (the
/// baselines' history). Each slot remembers which minute or hour it holds, so a slot is reused only by a newer one
/// and an event older than the ring is dropped rather than counted in the wrong bucket. Nothing before
/// <see cref="CoveredFromMs"/> is known: windows reaching there have no data. Thread-safe (one lock per monitor).
/// </summary>
internal sealed class CountBuckets
{
    public const long MinuteMs = 60_000;
    public const long HourMs = 3_600_000;

    /// <summary>Three hours of minutes: the longest window a monitor may use is 24 h, read from hours past the ring.</summary>
    public const int MinuteSlots = 180;

    private readonly long[] _minuteKey = new long[MinuteSlots];
    private readonly long[] _minuteCount = new long[MinuteSlots];
    private readonly long[] _hourKey;
    private readonly long[] _hourCount;
    private readonly Lock _lock = new();

    public CountBuckets(int historyHours, long coveredFromMs)
    {
        _hourKey = new long[historyHours];
        _hourCount = new long[historyHours];
        Array.Fill(_minuteKey, long.MinValue);
        Array.Fill(_hourKey, long.MinValue);
        CoveredFromMs = coveredFromMs;
    }

    public int HistoryHours => _hourKey.Length;

    /// <summary>Counts before this time are unknown (before the monitor's backfill reached, or dropped after a restart).</summary>
    public long CoveredFromMs { get; private set; }

    public void Add(long timestampMs, long count)
    {
        var minute = FloorDiv(timestampMs, MinuteMs);
        var hour = FloorDiv(timestampMs, HourMs);
        lock (_lock)
        {
            Bump(_minuteKey, _minuteCount, minute, count);
            Bump(_hourKey, _hourCount, hour, count);
        }
    }

    /// <summary>A backfilled hour bucket (from a <c>bin(1h)</c> count).</summary>
    public void AddHour(long hourStartMs, long count)
    {
        lock (_lock)
        {
            Bump(_hourKey, _hourCount, FloorDiv(hourStartMs, HourMs), count);
        }
    }

    /// <summary>A backfilled minute bucket (from a <c>bin(1m)</c> count).</summary>
    public void AddMinute(long minuteStartMs, long count)
    {
        lock (_lock)
        {
            Bump(_minuteKey, _minuteCount, FloorDiv(minuteStartMs, MinuteMs), count);
        }
    }

    /// <summary>The exact count of whole minutes in [start, end), or null when part of it is not held.</summary>
    public long? MinuteWindow(long startMs, long endMs)
    {
        var first = FloorDiv(startMs, MinuteMs);
        var last = FloorDiv(endMs - 1, MinuteMs);
        if (startMs < CoveredFromMs || last - first + 1 > MinuteSlots)
        {
            return null;
        }

        long sum = 0;
        lock (_lock)
        {
            for (var m = first; m <= last; m++)
            {
                var slot = Slot(m, MinuteSlots);
                if (_minuteKey[slot] > m)
                {
                    return null; // evicted by a newer minute
                }

                sum += _minuteKey[slot] == m ? _minuteCount[slot] : 0;
            }
        }

        return sum;
    }

    /// <summary>
    /// The count of [start, end) read from hour buckets; an hour cut by the range counts in proportion to the part
    /// inside (events are assumed even within an hour). Null when an hour it needs is not held.
    /// </summary>
    public double? HourWindow(long startMs, long endMs)
    {
        if (startMs < CoveredFromMs)
        {
            return null;
        }

        double sum = 0;
        lock (_lock)
        {
            for (var h = FloorDiv(startMs, HourMs); h * HourMs < endMs; h++)
            {
                var count = Hour(h);
                if (count is null)
                {
                    return null;
                }

                var overlap = Math.Min(endMs, (h + 1) * HourMs) - Math.Max(startMs, h * HourMs);
                sum += overlap == HourMs ? count.Value : (double)count.Value * overlap / HourMs;
            }
        }

        return sum;
    }

    /// <summary>Forgets everything from <paramref name="fromMs"/> (a whole hour) on, and marks it as covered again by whoever refills it.</summary>
    public void ForgetFrom(long fromMs)
    {
        lock (_lock)
        {
            for (var i = 0; i < _hourKey.Length; i++)
            {
                if (_hourKey[i] != long.MinValue && _hourKey[i] * HourMs >= fromMs)
                {
                    _hourKey[i] = long.MinValue;
                    _hourCount[i] = 0;
                }
            }

            for (var i = 0; i < MinuteSlots; i++)
            {
                if (_minuteKey[i] != long.MinValue && _minuteKey[i] * MinuteMs >= fromMs)
                {
                    _minuteKey[i] = long.MinValue;
                    _minuteCount[i] = 0;
                }
            }
        }
    }

    /// <summary>The non-empty buckets, for persistence: (minute or hour number, count).</summary>
    public (List<long[]> Minutes, List<long[]> Hours) Export()
    {
        lock (_lock)
        {
            return (Pairs(_minuteKey, _minuteCount), Pairs(_hourKey, _hourCount));
        }
    }

    public void Import(IEnumerable<long[]> minutes, IEnumerable<long[]> hours)
    {
        lock (_lock)
        {
            foreach (var pair in minutes.OrderBy(p => p[0]))
            {
                Bump(_minuteKey, _minuteCount, pair[0], pair[1]);
            }

            foreach (var pair in hours.OrderBy(p => p[0]))
            {
                Bump(_hourKey, _hourCount, pair[0], pair[1]);
            }
        }
    }

    public static long FloorDiv(long value, long unit) => value >= 0 ? value / unit : ((value + 1) / unit) - 1;

    private long? Hour(long hour)
    {
        if (hour * HourMs < FloorDiv(CoveredFromMs, HourMs) * HourMs)
        {
            return null;
        }

        var slot = Slot(hour, _hourKey.Length);
        return _hourKey[slot] > hour ? null : _hourKey[slot] == hour ? _hourCount[slot] : 0;
    }

    private static void Bump(long[] keys, long[] counts, long key, long count)
    {
        var slot = Slot(key, keys.Length);
        if (keys[slot] == key)
        {
            counts[slot] += count;
        }
        else if (keys[slot] < key)
        {
            keys[slot] = key;
            counts[slot] = count;
        }

        // else: older than the ring holds; dropped (a late event for a bucket long evicted)
    }

    private static int Slot(long key, int length) => (int)(((key % length) + length) % length);

    private static List<long[]> Pairs(long[] keys, long[] counts)
    {
        var pairs = new List<long[]>();
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] != long.MinValue && counts[i] != 0)
            {
                pairs.Add([keys[i], counts[i]]);
            }
        }

        return pairs;
    }
}
