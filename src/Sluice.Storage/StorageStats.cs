using Sluice.Core.Metrics;

namespace Sluice.Storage;

/// <summary>Counters of the storage worker since start, read by /metrics.</summary>
public sealed class StorageStats
{
    private long _eventsSealed, _partsWritten, _compactions, _failures, _cleanupEvents, _cleanupBytes;

    public long EventsSealed => Volatile.Read(ref _eventsSealed);

    public long PartsWritten => Volatile.Read(ref _partsWritten);

    public long Compactions => Volatile.Read(ref _compactions);

    public long Failures => Volatile.Read(ref _failures);

    public long CleanupEventsRemoved => Volatile.Read(ref _cleanupEvents);

    public long CleanupBytesFreed => Volatile.Read(ref _cleanupBytes);

    /// <summary>Time to write one batch of parts (all kinds and hours of the sealed chunks).</summary>
    public Histogram SealSeconds { get; } = new(Histogram.LatencyBounds);

    internal void AddSealed(long events, int parts, double seconds)
    {
        Interlocked.Add(ref _eventsSealed, events);
        Interlocked.Add(ref _partsWritten, parts);
        SealSeconds.Observe(seconds);
    }

    internal void AddCompaction() => Interlocked.Increment(ref _compactions);

    internal void AddFailure() => Interlocked.Increment(ref _failures);

    internal void AddCleanup(long events, long bytes)
    {
        Interlocked.Add(ref _cleanupEvents, events);
        Interlocked.Add(ref _cleanupBytes, bytes);
    }
}
