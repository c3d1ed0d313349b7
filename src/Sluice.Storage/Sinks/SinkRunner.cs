using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Storage.Hot;
using Sluice.Storage.Wal;

namespace Sluice.Storage.Sinks;

/// <summary>
/// Feeds one sink from the WAL: reads what is acknowledged past the sink's cursor, hands it over in batches of at
/// most <c>Sinks:BatchEvents</c> events (or the sink's own size) gathered across WAL records, retries a failed batch with growing pauses (the sink's own breaker decides
/// how fast that fails), and saves the cursor at most once per <c>Sinks:CursorSaveMs</c> and when idle.
/// </summary>
internal sealed class SinkRunner : IAsyncDisposable
{
    // Short: while a dependency is down its breaker fails each attempt at once, and a catch-up must start within
    // moments of it coming back (seed 002: in sync within 5 s of recovery).
    private const int MaxPauseMs = 1_000;
    private const int IdlePollMs = 50;

    private readonly IEventSink _sink;
    private readonly SinkCursor _cursor;
    private readonly WalTail _tail;
    private readonly HotTier _hot;
    private readonly int _batchEvents;
    private readonly int _lingerMs;
    private readonly long _saveEveryMs;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action _advanced;
    private readonly AckTimeline _timeline = new();
    private readonly string _walDirectory;
    private readonly object _positionGate = new();
    private (long Segment, long Offset) _readPosition;
    private long _bytesInHand;
    private Timer? _sampler;
    private Task? _loop;
    private long _deliveredThrough;
    private long _delivered;
    private long _failedAttempts;
    private long _lastDeliveryMs;
    private string? _lastError;

    public SinkRunner(IEventSink sink, SinkCursor cursor, string walDirectory, HotTier hot, int batchEvents, long saveEveryMs, ILogger logger, Action advanced)
    {
        _sink = sink;
        _cursor = cursor;
        _tail = new WalTail(walDirectory);
        _walDirectory = walDirectory;
        _hot = hot;
        _batchEvents = sink.MaxBatchEvents > 0 ? sink.MaxBatchEvents : batchEvents;
        _lingerMs = sink.LingerMs;
        _saveEveryMs = saveEveryMs;
        _logger = logger;
        _advanced = advanced;
        _deliveredThrough = cursor.DeliveredThroughSeq;
    }

    public string Name => _sink.Name;

    /// <summary>The last event the sink holds (as far as this node knows).</summary>
    public long DeliveredThroughSeq => Volatile.Read(ref _deliveredThrough);

    /// <summary>Whether the WAL keeps segments for this sink; false once it fell further behind than <c>Sinks:MaxLagMb</c>.</summary>
    public bool HoldsWal { get; set; } = true;

    public long HeldWalBytes { get; set; }

    public void Start()
    {
        _timeline.Note(_hot.MaxSeq, Environment.TickCount64);
        _sampler = new Timer(_ => _timeline.Note(_hot.MaxSeq, Environment.TickCount64), null, 1_000, 1_000);
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        try
        {
            await RunAsync(_stop.Token);
        }
        catch (Exception e)
        {
            // Never silently: health shows the sink stopped and why.
            Volatile.Write(ref _lastError, $"stopped: {e.GetType().Name}: {e.Message}");
            _logger.LogCritical(e, "Sink {Sink} stopped", Name);
        }
    }

    public SinkStatus Status()
    {
        var delivered = DeliveredThroughSeq;
        var lag = Math.Max(0, _hot.MaxSeq - delivered);
        var now = Environment.TickCount64;
        _timeline.Note(_hot.MaxSeq, now);
        return new SinkStatus(
            _sink.Name,
            delivered,
            lag,
            Volatile.Read(ref _delivered),
            HoldsWal,
            HeldWalBytes,
            _cursor.LostEvents,
            Volatile.Read(ref _failedAttempts),
            Volatile.Read(ref _lastError),
            Volatile.Read(ref _lastDeliveryMs) is var at and > 0 ? now - at : null,
            lag > 0 ? LagBytes() : 0,
            lag > 0 ? _timeline.OldestPendingAgeMs(delivered, now) : null);
    }

    /// <summary>
    /// WAL bytes not yet delivered: what the reader has still to read plus the rows it holds in a batch (to within
    /// the rest of the record it is in the middle of while a batch waits to be delivered).
    /// </summary>
    private long LagBytes()
    {
        (long, long) position;
        lock (_positionGate)
        {
            position = _readPosition;
        }

        try
        {
            return WalTail.BytesAfter(_walDirectory, position) + Volatile.Read(ref _bytesInHand);
        }
        catch (IOException)
        {
            return Volatile.Read(ref _bytesInHand); // a segment went while being listed: the next scrape counts it
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var payload = new byte[64 * 1024];
        var batch = new Gathered();
        var readThrough = DeliveredThroughSeq; // the last event read into the batch (or delivered)
        var savedAt = Environment.TickCount64;
        var dirty = false;
        while (!stop.IsCancellationRequested)
        {
            WalFormat.RecordHeader record;
            long missing;
            bool found;
            try
            {
                found = _tail.TryRead(readThrough, _hot.MaxSeq, ref payload, out record, out missing);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // A damaged or unreadable segment: say so and look again later rather than end the sink's loop.
                Interlocked.Increment(ref _failedAttempts);
                Volatile.Write(ref _lastError, $"reading the WAL: {e.GetType().Name}: {e.Message}");
                _logger.LogError(e, "Sink {Sink} cannot read the WAL", Name);
                await PauseAsync(MaxPauseMs, stop);
                continue;
            }

            lock (_positionGate)
            {
                _readPosition = _tail.Position;
            }

            // A gap (events the WAL no longer holds) ends the batch: a batch is consecutive events.
            if (missing > 0 || (!found && batch.Count > 0 && batch.AgeMs >= _lingerMs))
            {
                if (batch.Count > 0 && !await DeliverWithRetriesAsync(batch.Take(), stop))
                {
                    break;
                }

                dirty = true;
            }

            if (!found)
            {
                if (missing > 0)
                {
                    Lose(missing, readThrough + missing);
                    readThrough += missing;
                    dirty = true;
                    continue;
                }

                if (batch.Count == 0 && dirty)
                {
                    Save();
                    (dirty, savedAt) = (false, Environment.TickCount64);
                }

                await PauseAsync(batch.Count > 0 ? (int)Math.Clamp(_lingerMs - batch.AgeMs, 1, IdlePollMs) : IdlePollMs, stop);
                continue;
            }

            if (missing > 0)
            {
                Lose(missing, record.FirstSeq - 1);
                readThrough = record.FirstSeq - 1;
            }

            // Take the record's events past what was read, handing over every full batch on the way.
            var rows = payload.AsMemory(0, record.PayloadLength);
            var seq = record.FirstSeq;
            var offset = 0;
            var delivered = true;
            while (offset < rows.Length)
            {
                var length = RowLayout.ReadLength(rows.Span[offset..]);
                if (seq > readThrough)
                {
                    batch.Add(seq, rows.Span.Slice(offset, length));
                    readThrough = seq;
                }

                offset += length;
                seq++;
                if (batch.Count >= _batchEvents)
                {
                    // While it is delivered, the rest of the record is waiting too.
                    Volatile.Write(ref _bytesInHand, batch.Bytes + rows.Length - offset);
                    if (!(delivered = await DeliverWithRetriesAsync(batch.Take(), stop)))
                    {
                        break;
                    }
                }
            }

            if (!delivered)
            {
                break;
            }

            Volatile.Write(ref _bytesInHand, batch.Bytes);
            dirty = true;
            if (Environment.TickCount64 - savedAt >= _saveEveryMs)
            {
                Save();
                (dirty, savedAt) = (false, Environment.TickCount64);
            }
        }

        if (dirty)
        {
            Save();
        }
    }

    /// <summary>
    /// Consecutive events gathered across WAL records into one batch, so a sink gets up to its batch size whatever
    /// the size of the requests that brought them (one event per request would otherwise mean one call per event).
    /// </summary>
    private sealed class Gathered
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _rows = new(64 * 1024);
        private long _firstSeq;
        private long _startedMs;

        public int Count { get; private set; }

        public int Bytes => _rows.WrittenCount;

        public long AgeMs => Environment.TickCount64 - _startedMs;

        public void Add(long seq, ReadOnlySpan<byte> row)
        {
            if (Count == 0)
            {
                (_firstSeq, _startedMs) = (seq, Environment.TickCount64);
            }

            System.Buffers.BuffersExtensions.Write(_rows, row);
            Count++;
        }

        /// <summary>The batch, valid until the next <see cref="Add"/>; the gatherer starts empty again.</summary>
        public SinkBatch Take()
        {
            var batch = new SinkBatch(_firstSeq, Count, _rows.WrittenMemory);
            Count = 0;
            _rows.ResetWrittenCount();
            return batch;
        }
    }

    private async Task<bool> DeliverWithRetriesAsync(SinkBatch batch, CancellationToken stop)
    {
        var pauseMs = 100;
        while (true)
        {
            try
            {
                await _sink.DeliverAsync(batch, stop);
                CrashPoints.Reach(CrashPoints.SinkDeliveredBeforeCursor);
                Volatile.Write(ref _deliveredThrough, batch.LastSeq);
                Interlocked.Add(ref _delivered, batch.Count);
                Volatile.Write(ref _lastDeliveryMs, Environment.TickCount64);
                Volatile.Write(ref _bytesInHand, Math.Max(0, Volatile.Read(ref _bytesInHand) - batch.Rows.Length));
                if (_sink.SavesCursorEachBatch)
                {
                    Save();
                }

                return true;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failedAttempts);
                Volatile.Write(ref _lastError, $"{e.GetType().Name}: {e.Message}");
                try
                {
                    await Task.Delay(pauseMs, stop);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                pauseMs = Math.Min(MaxPauseMs, pauseMs * 2);
            }
        }
    }

    /// <summary>The WAL was trimmed past the cursor (the sink was more than Sinks:MaxLagMb behind): count it and move on.</summary>
    private void Lose(long events, long through)
    {
        _cursor.LostEvents += events;
        _logger.LogError("Sink {Sink} lost {Events} events: the WAL was trimmed past its cursor (it was more than Sinks:MaxLagMb behind)", Name, events);
        Volatile.Write(ref _deliveredThrough, through);
    }

    private static async Task PauseAsync(int ms, CancellationToken stop)
    {
        try
        {
            await Task.Delay(ms, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Save()
    {
        _cursor.DeliveredThroughSeq = DeliveredThroughSeq;
        try
        {
            _cursor.Save();
        }
        catch (IOException e)
        {
            _logger.LogWarning(e, "Sink {Sink}: could not save its cursor", Name);
            return;
        }

        _advanced();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync();
        }

        if (_loop is not null)
        {
            await _loop;
        }

        _tail.Dispose();
        _stop.Dispose();
    }
}
