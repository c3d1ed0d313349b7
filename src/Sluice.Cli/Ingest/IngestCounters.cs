namespace Sluice.Cli.Ingest;

/// <summary>What an ingest has done so far, read by the progress display while the senders write it.</summary>
internal sealed class IngestCounters
{
    private long _lines;
    private long _acked;
    private long _refused;

    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Events the server acknowledged (stored, or already stored: duplicates).</summary>
    public long Acked => Interlocked.Read(ref _acked);

    public long Refused => Interlocked.Read(ref _refused);

    public void LineRead() => Interlocked.Increment(ref _lines);

    public void BatchDone(int events, int refused)
    {
        Interlocked.Add(ref _acked, events - refused);
        Interlocked.Add(ref _refused, refused);
    }

    public void LocalRefusal() => Interlocked.Increment(ref _refused);
}
