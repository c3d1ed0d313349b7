using Sluice.Server.Metrics;

namespace Sluice.Server.Dashboard;

/// <summary>
/// Events acknowledged per second over the last few seconds, for the dashboard's "ingest rate now": the accepted
/// counter is sampled once a second into a small ring, and the rate is the difference across it.
/// </summary>
public sealed class IngestRate : IDisposable
{
    private const int Window = 5;
    private readonly ServerMetrics _metrics;
    private readonly (long Ticks, long Total)[] _samples = new (long, long)[Window + 1];
    private readonly Timer _timer;
    private int _next;
    private int _taken;

    public IngestRate(ServerMetrics metrics)
    {
        _metrics = metrics;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    public long AcceptedTotal => _metrics.EventsAccepted.Snapshot().Sum(c => c.Value);

    public double EventsPerSecond
    {
        get
        {
            lock (_samples)
            {
                if (_taken < 2)
                {
                    return 0;
                }

                var newest = _samples[(_next + _samples.Length - 1) % _samples.Length];
                var oldest = _samples[_taken < _samples.Length ? 0 : _next];
                var seconds = TimeSpan.FromTicks(newest.Ticks - oldest.Ticks).TotalSeconds;
                return seconds <= 0 ? 0 : (newest.Total - oldest.Total) / seconds;
            }
        }
    }

    private void Sample()
    {
        var total = AcceptedTotal;
        lock (_samples)
        {
            _samples[_next] = (DateTime.UtcNow.Ticks, total);
            _next = (_next + 1) % _samples.Length;
            _taken = Math.Min(_taken + 1, _samples.Length);
        }
    }

    public void Dispose() => _timer.Dispose();
}
