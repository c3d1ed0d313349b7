using Sluice.Core.Metrics;

namespace Sluice.Storage.Wal;

/// <summary>Counters of the WAL since start, read by /metrics.</summary>
public sealed class WalStats
{
    private long _bytesWritten;
    private long _fsyncs;
    private long _records;
    private long _groupCommits;
    private long _segmentsTrimmed;

    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>Duration of each fdatasync: the floor of ack latency in fsync mode, and where disk stalls show.</summary>
    public Histogram FsyncSeconds { get; } = new(Histogram.LatencyBounds);

    public long Fsyncs => Volatile.Read(ref _fsyncs);

    public long Records => Volatile.Read(ref _records);

    /// <summary>Writes that carried one or more records (records / group commits = requests served per write).</summary>
    public long GroupCommits => Volatile.Read(ref _groupCommits);

    internal void AddWrite(long bytes, int records)
    {
        Interlocked.Add(ref _bytesWritten, bytes);
        Interlocked.Add(ref _records, records);
        Interlocked.Increment(ref _groupCommits);
    }

    /// <summary>Segments deleted because every event in them is in a sealed partition.</summary>
    public long SegmentsTrimmed => Volatile.Read(ref _segmentsTrimmed);

    internal void AddFsync() => Interlocked.Increment(ref _fsyncs);

    internal void AddTrimmed(int segments) => Interlocked.Add(ref _segmentsTrimmed, segments);
}
