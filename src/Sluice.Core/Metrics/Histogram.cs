namespace Sluice.Core.Metrics;

/// <summary>A lock-free cumulative histogram with fixed bucket bounds (seconds), exposed in Prometheus form.</summary>
public sealed class Histogram
{
    /// <summary>Bounds chosen around the ack budget (p50 ≤ 1 ms, p99 ≤ 5 ms) with room on both sides.</summary>
    public static readonly double[] LatencyBounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumMicros;

    public Histogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    public void Observe(double seconds)
    {
        var i = 0;
        while (i < _bounds.Length && seconds > _bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumMicros, (long)(seconds * 1_000_000));
    }

    public double Sum => Volatile.Read(ref _sumMicros) / 1_000_000d;

    /// <summary>Cumulative counts per upper bound, ending with +Inf.</summary>
    public IEnumerable<(double UpperBound, long Count)> Buckets()
    {
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Volatile.Read(ref _counts[i]);
            yield return (i < _bounds.Length ? _bounds[i] : double.PositiveInfinity, running);
        }
    }
}
