using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Storage.IO;

namespace Sluice.Storage.Wal;

/// <summary>
/// The write-ahead log: callers hand whole batches to <see cref="AppendAsync"/>; one writer thread takes every
/// batch that is waiting, writes them with one vectored write and makes them durable with one fdatasync (group
/// commit), passes them in order to the <see cref="IWalConsumer"/> (the hot tier), and only then completes the
/// callers' tasks. So a completed append is durable (per <see cref="DurabilityMode"/>) and already queryable.
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly DurabilityMode _durability;
    private readonly IWalConsumer _consumer;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private List<PendingAppend> _pending = [];
    private Thread? _writer;
    private SafeFileHandle? _segment;
    private long _segmentNumber;
    private long _offset;
    private long _nextSeq;
    private bool _stopping;
    private volatile string? _fault;

    /// <summary>Finished segments and the last event each holds, oldest first; guarded by itself.</summary>
    private readonly List<(long Number, long LastSeq)> _closedSegments = [];

    /// <summary>Fault injection for tests: each group commit waits this long first, as on a slow disk.</summary>
    public TimeSpan CommitDelay { get; set; }

    public WriteAheadLog(string directory, WalOptions options, DurabilityMode durability, IWalConsumer consumer, ILogger logger)
    {
        _directory = directory;
        _options = options;
        _durability = durability;
        _consumer = consumer;
        _logger = logger;
    }

    public WalStats Stats { get; } = new();

    /// <summary>Why the log refuses writes, or null while it takes them.</summary>
    public string? Fault => _fault;

    /// <summary>Replays the log into the consumer, cuts a torn tail, and starts taking appends.</summary>
    public WalRecoveryResult Open(long persistedThroughSeq = 0)
    {
        var result = WalRecovery.Run(_directory, _consumer, _logger, persistedThroughSeq);
        _nextSeq = result.NextSeq;
        _closedSegments.AddRange(result.ClosedSegments);
        if (result.LastSegment != 0 && result.LastLoggedSeq < persistedThroughSeq)
        {
            // The log ends before the partitions do: with batch or no fsync, parts can be sealed from rows whose WAL
            // write a power loss then took. Every logged event is in a part, so start a fresh segment; appending
            // after the old end would leave a gap in sequence numbers that the next recovery reads as damage.
            _logger.LogWarning("The WAL ends at event {Logged} but partitions hold events through {Persisted}; starting a new segment",
                result.LastLoggedSeq, persistedThroughSeq);
            foreach (var (_, path) in WalRecovery.ListSegments(_directory))
            {
                File.Delete(path);
            }

            _closedSegments.Clear();
            CreateSegment(result.LastSegment + 1);
        }
        else if (result.LastSegment == 0)
        {
            CreateSegment(1);
        }
        else
        {
            _segmentNumber = result.LastSegment;
            _segment = File.OpenHandle(Path.Combine(_directory, WalFormat.SegmentFileName(_segmentNumber)), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _offset = result.LastSegmentLength;
        }

        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "sluice-wal-writer" };
        _writer.Start();
        return result;
    }

    /// <summary>
    /// Appends one batch of encoded rows. Completes with the batch's first sequence number once the batch is
    /// durable and applied to the consumer; fails with <see cref="WalUnavailableException"/> if it is neither.
    /// The caller must keep <paramref name="rows"/> unchanged until then.
    /// </summary>
    public Task<long> AppendAsync(ReadOnlyMemory<byte> rows, int eventCount)
    {
        if (_fault is { } fault)
        {
            return Task.FromException<long>(new WalUnavailableException(fault));
        }

        if (rows.Length > WalFormat.MaxPayloadBytes)
        {
            return Task.FromException<long>(new ArgumentOutOfRangeException(nameof(rows), rows.Length, "a WAL record holds at most 256 MiB"));
        }

        // The payload CRC is computed here, on the caller's thread, so the writer thread only writes.
        var pending = new PendingAppend(rows, eventCount, Crc32C.Compute(rows.Span));
        lock (_gate)
        {
            if (_stopping)
            {
                return Task.FromException<long>(new WalUnavailableException("the WAL is shutting down"));
            }

            _pending.Add(pending);
            if (_pending.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }

        return pending.Done.Task;
    }

    /// <summary>
    /// Deletes the finished segments whose events are all at or below <paramref name="seq"/> — called once those
    /// events are durable in sealed partitions. The segment being written is never deleted.
    /// </summary>
    public int TrimThrough(long seq)
    {
        List<long> deletable = [];
        lock (_closedSegments)
        {
            while (_closedSegments.Count > 0 && _closedSegments[0].LastSeq <= seq)
            {
                deletable.Add(_closedSegments[0].Number);
                _closedSegments.RemoveAt(0);
            }
        }

        foreach (var number in deletable)
        {
            File.Delete(Path.Combine(_directory, WalFormat.SegmentFileName(number)));
        }

        if (deletable.Count > 0)
        {
            NativeFile.FlushDirectory(_directory);
            Stats.AddTrimmed(deletable.Count);
        }

        return deletable.Count;
    }

    /// <summary>The finished segments, oldest first, with their last event and size (what sinks hold back from trimming).</summary>
    internal List<(long LastSeq, long Bytes)> ClosedSegmentSizes()
    {
        List<long> numbers;
        List<long> lasts;
        lock (_closedSegments)
        {
            numbers = [.. _closedSegments.Select(s => s.Number)];
            lasts = [.. _closedSegments.Select(s => s.LastSeq)];
        }

        var sizes = new List<(long, long)>(numbers.Count);
        for (var i = 0; i < numbers.Count; i++)
        {
            var file = new FileInfo(Path.Combine(_directory, WalFormat.SegmentFileName(numbers[i])));
            sizes.Add((lasts[i], file.Exists ? file.Length : 0));
        }

        return sizes;
    }

    /// <summary>Stops the writer after it has written what is already queued, and closes the segment.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _writer?.Join();
        _segment?.Dispose();
        _segment = null;
    }

    private void WriterLoop()
    {
        var group = new List<PendingAppend>();
        var dirty = false;
        var lastFsync = Environment.TickCount64;
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    if (!dirty)
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    // Batch mode: wake up when the oldest unsynced write has waited the interval, not later.
                    var left = _options.BatchFsyncIntervalMs - (Environment.TickCount64 - lastFsync);
                    if (left <= 0 || !Monitor.Wait(_gate, (int)left))
                    {
                        break;
                    }
                }

                (group, _pending) = (_pending, group);
            }

            if (group.Count > 0)
            {
                dirty |= WriteGroup(group);
                group.Clear();
            }

            if (dirty && (_durability == DurabilityMode.Batch && Environment.TickCount64 - lastFsync >= _options.BatchFsyncIntervalMs || Stopping()))
            {
                TryFsync();
                dirty = false;
                lastFsync = Environment.TickCount64;
            }

            if (Stopping() && group.Count == 0 && PendingCount() == 0)
            {
                return;
            }
        }
    }

    /// <summary>Writes and (in fsync mode) syncs one group; returns true if it left unsynced data behind.</summary>
    private bool WriteGroup(List<PendingAppend> group)
    {
        if (_fault is { } fault)
        {
            FailAll(group, new WalUnavailableException(fault));
            return false;
        }

        var headers = ArrayPool<byte>.Shared.Rent(group.Count * WalFormat.RecordHeaderSize);
        var buffers = new List<ReadOnlyMemory<byte>>(group.Count * 2);
        var startOffset = _offset;
        long bytes = 0;
        try
        {
            var seq = _nextSeq;
            for (var i = 0; i < group.Count; i++)
            {
                var p = group[i];
                var header = headers.AsMemory(i * WalFormat.RecordHeaderSize, WalFormat.RecordHeaderSize);
                WalFormat.WriteRecordHeader(header.Span, p.Rows.Length, p.Crc, seq, p.Count, WalRecordType.EventBatch);
                p.FirstSeq = seq;
                seq += p.Count;
                buffers.Add(header);
                buffers.Add(p.Rows);
                bytes += WalFormat.RecordHeaderSize + p.Rows.Length;
            }

            if (CommitDelay > TimeSpan.Zero)
            {
                Thread.Sleep(CommitDelay); // fault injection: a slow disk
            }

            try
            {
                RandomAccess.Write(_segment!, buffers, startOffset);
            }
            catch (Exception e)
            {
                Undo(startOffset, e);
                FailAll(group, new WalUnavailableException("the WAL write failed: " + IoFailure.Describe(e), e));
                return false;
            }

            if (_durability == DurabilityMode.Fsync)
            {
                try
                {
                    Fsync();
                }
                catch (Exception e)
                {
                    // After a failed fsync the page cache can no longer be trusted (Linux may drop the dirty pages
                    // and report success next time), so the log stops taking writes instead of retrying.
                    _fault = "the WAL fsync failed: " + IoFailure.Describe(e);
                    _logger.LogCritical(e, "WAL fsync failed; refusing writes");
                    Undo(startOffset, e);
                    FailAll(group, new WalUnavailableException(_fault, e));
                    return false;
                }
            }

            _offset = startOffset + bytes;
            Volatile.Write(ref _nextSeq, seq);
            Stats.AddWrite(bytes, group.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(headers);
        }

        foreach (var p in group)
        {
            try
            {
                _consumer.Apply(new WalRecord(p.FirstSeq, p.Count, p.Rows.Span));
            }
            catch (Exception e)
            {
                // The batch is durable and will be replayed on restart, so it is still acknowledged; but the hot
                // tier can no longer be trusted to hold what follows, so the log takes no more writes.
                _fault = "the hot tier failed to apply a record; restart to replay the log: " + IoFailure.Describe(e);
                _logger.LogCritical(e, "Applying WAL record at seq {Seq} to the hot tier failed; refusing writes", p.FirstSeq);
            }
        }

        foreach (var p in group)
        {
            p.Done.TrySetResult(p.FirstSeq);
        }

        if (_offset >= _options.SegmentBytes)
        {
            Roll();
        }

        return _durability == DurabilityMode.Batch;
    }

    private void Roll()
    {
        try
        {
            Fsync();
            _segment!.Dispose();
            lock (_closedSegments)
            {
                _closedSegments.Add((_segmentNumber, _nextSeq - 1));
            }

            CreateSegment(_segmentNumber + 1);
        }
        catch (Exception e)
        {
            _fault = "the WAL could not start a new segment: " + IoFailure.Describe(e);
            _logger.LogCritical(e, "WAL segment roll failed; refusing writes");
        }
    }

    private void CreateSegment(long number)
    {
        var path = Path.Combine(_directory, WalFormat.SegmentFileName(number));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            Span<byte> header = stackalloc byte[WalFormat.SegmentHeaderSize];
            WalFormat.WriteSegmentHeader(header, number);
            RandomAccess.Write(handle, header, 0);
            NativeFile.FlushData(handle);
            NativeFile.FlushDirectory(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        _segment = handle;
        _segmentNumber = number;
        _offset = WalFormat.SegmentHeaderSize;
    }

    /// <summary>After a failed write, cut whatever part of it reached the file so the log stays well-formed.</summary>
    private void Undo(long offset, Exception cause)
    {
        _logger.LogError(cause, "WAL write failed at byte {Offset} of segment {Segment}", offset, _segmentNumber);
        try
        {
            RandomAccess.SetLength(_segment!, offset);
            NativeFile.FlushData(_segment!);
        }
        catch (Exception e)
        {
            _fault = "the WAL could not undo a failed write: " + IoFailure.Describe(e);
            _logger.LogCritical(e, "WAL could not be truncated after a failed write; refusing writes");
        }
    }

    private void TryFsync()
    {
        try
        {
            Fsync();
        }
        catch (Exception e)
        {
            _fault = "the WAL fsync failed: " + IoFailure.Describe(e);
            _logger.LogCritical(e, "WAL fsync failed; refusing writes");
        }
    }

    private void Fsync()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        NativeFile.FlushData(_segment!);
        Stats.AddFsync();
        Stats.FsyncSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static void FailAll(List<PendingAppend> group, Exception error)
    {
        foreach (var p in group)
        {
            p.Done.TrySetException(error);
        }
    }

    private bool Stopping()
    {
        lock (_gate)
        {
            return _stopping;
        }
    }

    private int PendingCount()
    {
        lock (_gate)
        {
            return _pending.Count;
        }
    }

    private sealed class PendingAppend(ReadOnlyMemory<byte> rows, int count, uint crc)
    {
        public ReadOnlyMemory<byte> Rows { get; } = rows;

        public int Count { get; } = count;

        public uint Crc { get; } = crc;

        public long FirstSeq { get; set; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
