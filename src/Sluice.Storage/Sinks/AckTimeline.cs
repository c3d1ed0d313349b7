namespace Sluice.Storage.Sinks;

/// <summary>
/// When acknowledged events became readable, sampled about once a second as (highest sequence number, time), so a
/// sink can say how long its oldest waiting event has waited (to within a sample) without a time per event. Events
/// acknowledged before this process started count from its start.
/// </summary>
internal sealed class AckTimeline
{
    // About an hour of one sample a second; past it every other sample goes, so a long outage keeps coarser times.
    private const int MaxSamples = 4_096;

    private readonly object _gate = new();
    private Queue<(long Seq, long AtMs)> _samples = new();

    public void Note(long maxSeq, long nowMs)
    {
        lock (_gate)
        {
            if (_samples.Count > 0 && _samples.Last().Seq >= maxSeq)
            {
                return;
            }

            _samples.Enqueue((maxSeq, nowMs));
            if (_samples.Count > MaxSamples)
            {
                _samples = new Queue<(long, long)>(_samples.Where((_, i) => i % 2 == 0 || i == _samples.Count - 1));
            }
        }
    }

    /// <summary>How long the first event past <paramref name="deliveredThrough"/> has waited, or null when none waits.</summary>
    public long? OldestPendingAgeMs(long deliveredThrough, long nowMs)
    {
        lock (_gate)
        {
            while (_samples.Count > 0 && _samples.Peek().Seq <= deliveredThrough)
            {
                _samples.Dequeue();
            }

            return _samples.Count == 0 ? null : Math.Max(0, nowMs - _samples.Peek().AtMs);
        }
    }
}
