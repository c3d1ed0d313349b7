namespace Sluice.Cli.Bench;

/// <summary>Collects per-request latencies (ticks) from many workers and reports percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<long>[] _perWorker;

    public LatencyRecorder(int workers)
    {
        _perWorker = [.. Enumerable.Range(0, workers).Select(_ => new List<long>(1024))];
    }

    public void Record(int worker, long ticks) => _perWorker[worker].Add(ticks);

    public int Count => _perWorker.Sum(l => l.Count);

    /// <summary>Milliseconds at each quantile (nearest rank).</summary>
    public double[] Percentiles(params double[] quantiles)
    {
        var all = _perWorker.SelectMany(l => l).Order().ToArray();
        if (all.Length == 0)
        {
            return [.. quantiles.Select(_ => double.NaN)];
        }

        return [.. quantiles.Select(q => all[Math.Clamp((int)Math.Ceiling(q * all.Length) - 1, 0, all.Length - 1)] * 1000d / System.Diagnostics.Stopwatch.Frequency)];
    }
}
