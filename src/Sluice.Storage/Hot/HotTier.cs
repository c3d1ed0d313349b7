using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Storage.Wal;

namespace Sluice.Storage.Hot;

/// <summary>
/// The recent events in memory, in WAL order, with an id index and a trace index. Fed by the WAL writer thread
/// (the only writer) after each group commit and during recovery; read concurrently by searches. Bounded by
/// <see cref="HotTierOptions.MaxBytes"/>: full chunks are sealed and handed to the <see cref="ISealedChunkSink"/>,
/// and the oldest persisted ones leave memory when the bound is passed.
/// <para>
/// Readers take no locks, but they enter a <see cref="ReadScope"/> for as long as they hold chunks or rows; an
/// evicted chunk's buffer is reused only at a moment when no scope is open, so no reader can still see it.
/// </para>
/// </summary>
internal sealed class HotTier : IWalConsumer
{
    private readonly HotTierOptions _options;
    private readonly ISealedChunkSink _sink;
    private readonly ILogger _logger;
    private readonly object _indexLock = new();
    private HotChunk[] _chunks = [];
    private HotChunk? _current;
    private long _maxSeq;
    private long _rows;
    private long _persistedFloor;
    private bool _warnedUnpersisted;

    /// <summary>Evicted chunks whose buffers and indexes wait to be reused. Fresh 8 MiB arrays cost page faults and
    /// LOH collections: recycling the buffers took the hot-tier copy from 17 % of ingest CPU to noise, and recycling
    /// the row indexes and dictionaries with them took ~400 MB of large-object garbage out of a 2 M-event load
    /// (docs/benchmarks.md).</summary>
    private readonly Queue<HotChunk> _retired = new();

    /// <summary>Retired chunks kept: a new chunk starts while the previous ones are sealed, so two cover a steady load.</summary>
    private const int RetiredChunks = 2;

    /// <summary>Rows of the last chunk that filled up: the next one is sized for that many and a little more.</summary>
    private int _rowsPerChunk;
    private int _activeReaders;

    public HotTier(HotTierOptions options, ISealedChunkSink sink, ILogger logger)
    {
        _options = options;
        _sink = sink;
        _logger = logger;
    }

    /// <summary>
    /// Opens a read: chunks and rows obtained inside it stay valid until it is disposed. Enter it before taking
    /// <see cref="Chunks"/> or calling a lookup, and keep it open while the rows are being read.
    /// </summary>
    public ReadScope EnterRead()
    {
        Interlocked.Increment(ref _activeReaders);
        return new ReadScope(this);
    }

    /// <summary>Highest event sequence number that is visible to searches.</summary>
    public long MaxSeq => Volatile.Read(ref _maxSeq);

    public long RowCount => Volatile.Read(ref _rows);

    /// <summary>
    /// Events at or below this sequence number are already in sealed partitions: recovery skips them instead of
    /// loading them again. Set once, before the WAL is replayed.
    /// </summary>
    public void SkipThrough(long seq)
    {
        _persistedFloor = seq;
        Volatile.Write(ref _maxSeq, Math.Max(_maxSeq, seq));
    }

    /// <summary>
    /// The seam between the hot tier and the partitions for a snapshot of <see cref="Chunks"/>: every event below
    /// it is in a sealed part, every event from it up to <paramref name="maxSeq"/> is in those chunks.
    /// </summary>
    public static long SeamOf(IReadOnlyList<HotChunk> chunks, long maxSeq)
    {
        foreach (var chunk in chunks)
        {
            if (chunk.Count > 0)
            {
                return chunk.FirstSeq;
            }
        }

        return maxSeq + 1;
    }

    /// <summary>Memory held by the live chunks — rows and their indexes — in bytes; what <see cref="HotTierOptions.MaxBytes"/> bounds.</summary>
    public long Bytes
    {
        get
        {
            long total = 0;
            foreach (var chunk in Volatile.Read(ref _chunks))
            {
                total += chunk.MemoryBytes;
            }

            return total;
        }
    }

    /// <summary>
    /// Row bytes not yet persisted in parts (sealed or not): what ingest must wait on when it passes
    /// <see cref="HotTierOptions.MaxBytes"/>, since such chunks cannot leave memory.
    /// </summary>
    public long UnpersistedBytes
    {
        get
        {
            long total = 0;
            foreach (var chunk in Volatile.Read(ref _chunks))
            {
                if (!chunk.IsPersisted)
                {
                    total += chunk.UsedBytes;
                }
            }

            return total;
        }
    }

    /// <summary>The live chunks, oldest first; an immutable snapshot.</summary>
    public IReadOnlyList<HotChunk> Chunks => Volatile.Read(ref _chunks);

    public void Apply(WalRecord record)
    {
        var rows = record.Rows;
        var seq = record.FirstSeq;
        try
        {
            lock (_indexLock)
            {
                while (!rows.IsEmpty)
                {
                    var length = RowLayout.ReadLength(rows);
                    if (seq > _persistedFloor)
                    {
                        AddRow(rows[..length], seq);
                    }

                    seq++;
                    rows = rows[length..];
                }
            }
        }
        finally
        {
            // Whatever went in is visible, even if a later row of the record failed.
            Volatile.Write(ref _maxSeq, seq - 1);
        }

        Evict(maxAgeMs: long.MaxValue, nowMs: 0);
    }

    /// <summary>
    /// Seals the chunk being filled, if it holds rows, and hands it to the sink now rather than when it is full:
    /// a flush, or rows that have waited long enough to be persisted.
    /// </summary>
    public void SealCurrent()
    {
        lock (_indexLock)
        {
            if (_current is { Count: > 0 } chunk)
            {
                _current = null;
                Seal(chunk);
            }
        }
    }

    /// <summary>The oldest row's age in the chunk being filled, in ms (0 when it is empty).</summary>
    public long CurrentChunkAgeMs
    {
        get
        {
            var chunk = _current;
            return chunk is { Count: > 0 } ? Environment.TickCount64 - chunk.StartedTicks : 0;
        }
    }

    /// <summary>Finds the newest hot row with this id.</summary>
    public bool TryFind(ReadOnlySpan<byte> id, out RowRef row) => TryFind(Chunks, id, out row);

    /// <summary>Finds the newest row with this id in <paramref name="chunks"/> (a snapshot of <see cref="Chunks"/>).</summary>
    public bool TryFind(IReadOnlyList<HotChunk> chunks, ReadOnlySpan<byte> id, out RowRef row)
    {
        var key = FieldHash.Of64(id);
        // The lock because the chunk being filled changes its indexes; the chunks themselves are the caller's snapshot.
        lock (_indexLock)
        {
            for (var c = chunks.Count - 1; c >= 0; c--)
            {
                if (chunks[c].IdIndex.TryGetValue(key, out var index)
                    && RowReader.TryGetString(chunks[c].RowBytes(index), FieldTag.Id, out var stored) && stored.SequenceEqual(id))
                {
                    row = new RowRef(chunks[c], index);
                    return true;
                }
            }
        }

        row = default;
        return false;
    }

    /// <summary>Every row of a trace in <paramref name="chunks"/> (a snapshot of <see cref="Chunks"/>), newest first.</summary>
    public List<RowRef> FindTrace(IReadOnlyList<HotChunk> chunks, ReadOnlySpan<byte> traceId)
    {
        var key = FieldHash.Of64(traceId);
        var found = new List<RowRef>();
        lock (_indexLock)
        {
            for (var c = chunks.Count - 1; c >= 0; c--)
            {
                var chunk = chunks[c];
                if (!chunk.LastOfTrace.TryGetValue(key, out var index))
                {
                    continue;
                }

                for (; index >= 0; index = chunk.Rows[index].PreviousInTrace)
                {
                    if (RowReader.TryGetString(chunk.RowBytes(index), FieldTag.TraceId, out var stored) && stored.SequenceEqual(traceId))
                    {
                        found.Add(new RowRef(chunk, index));
                    }
                }
            }
        }

        return found;
    }

    private void AddRow(ReadOnlySpan<byte> row, long seq)
    {
        var entry = new RowEntry
        {
            Timestamp = RowLayout.ReadTimestamp(row),
            Seq = seq,
            Kind = RowLayout.ReadKind(row),
            Level = RowLayout.ReadLevel(row),
            PreviousInTrace = -1,
        };

        ReadOnlySpan<byte> id = default, trace = default;
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            switch (reader.Tag)
            {
                case FieldTag.Id: id = reader.Value; break;
                case FieldTag.TraceId: trace = reader.Value; break;
                case FieldTag.Service: entry.ServiceHash = FieldHash.Of32(reader.Value); break;
                case FieldTag.System: entry.SystemHash = FieldHash.Of32(reader.Value); break;
                case FieldTag.Domain: entry.DomainHash = FieldHash.Of32(reader.Value); break;
                case FieldTag.UserId: entry.UserHash = FieldHash.Of32(reader.Value); break;
            }
        }

        var chunk = _current;
        if (chunk is null || !chunk.HasRoomFor(row.Length))
        {
            chunk = StartChunk(row.Length);
        }

        var traceKey = trace.IsEmpty ? 0 : FieldHash.Of64(trace);
        if (!trace.IsEmpty && chunk.LastOfTrace.TryGetValue(traceKey, out var previous))
        {
            entry.PreviousInTrace = previous;
        }

        // The row goes in first, the indexes after: an index entry never points at a row that is not there.
        var local = chunk.Add(row, entry);
        if (!trace.IsEmpty)
        {
            chunk.LastOfTrace[traceKey] = local;
        }

        if (!id.IsEmpty)
        {
            chunk.IdIndex[FieldHash.Of64(id)] = local;
        }

        Interlocked.Increment(ref _rows);
    }

    private HotChunk StartChunk(int rowLength)
    {
        // Allocate before touching any state, so a failed allocation leaves the tier as it was.
        var full = _current;
        if (full is not null && full.Buffer.Length == _options.ChunkBytes)
        {
            _rowsPerChunk = full.Count;
        }

        var bufferBytes = Math.Max(_options.ChunkBytes, rowLength);
        var expectedRows = _rowsPerChunk > 0 ? _rowsPerChunk + (_rowsPerChunk / 8) : bufferBytes / 256;
        var chunk = new HotChunk(bufferBytes, expectedRows, TakeRetired(bufferBytes));
        Volatile.Write(ref _chunks, [.. _chunks, chunk]);
        _current = chunk;
        if (full is not null)
        {
            Seal(full);
        }

        return chunk;
    }

    private void Seal(HotChunk chunk)
    {
        chunk.IsSealed = true;
        _sink.Accept(chunk);
    }

    /// <summary>
    /// Lets the oldest persisted chunks leave memory while the tier is over <see cref="HotTierOptions.MaxBytes"/>,
    /// or while they were persisted more than <paramref name="maxAgeMs"/> before <paramref name="nowMs"/>. Called by
    /// the WAL writer after each record and by the storage worker on its tick.
    /// </summary>
    public void Evict(long maxAgeMs, long nowMs) => Evict(maxAgeMs, nowMs, throughSeq: 0);

    /// <summary>
    /// Lets every chunk holding events up to <paramref name="seq"/> leave memory (they are all persisted): after a
    /// cleanup removed parts, their events must not stay visible from memory.
    /// </summary>
    public void EvictThrough(long seq) => Evict(long.MaxValue, 0, seq);

    private void Evict(long maxAgeMs, long nowMs, long throughSeq)
    {
        lock (_indexLock)
        {
            while (true)
            {
                var chunks = _chunks;
                if (chunks.Length == 0)
                {
                    return;
                }

                var oldest = chunks[0];
                var over = Bytes > _options.MaxBytes;
                var old = oldest.IsPersisted && maxAgeMs != long.MaxValue && nowMs - oldest.PersistedAtMs > maxAgeMs;
                var removed = oldest.Count > 0 && oldest.FirstSeq <= throughSeq;
                if (!over && !old && !removed)
                {
                    return;
                }

                if (!oldest.IsSealed || !oldest.IsPersisted)
                {
                    if (over && !_warnedUnpersisted)
                    {
                        _warnedUnpersisted = true;
                        _logger.LogWarning("Hot tier is over its bound ({Bytes} bytes) but its oldest chunk is not persisted yet", Bytes);
                    }

                    return;
                }

                Volatile.Write(ref _chunks, chunks[1..]);
                Interlocked.Add(ref _rows, -oldest.Count);
                if (oldest.Buffer.Length == _options.ChunkBytes && _retired.Count < RetiredChunks)
                {
                    _retired.Enqueue(oldest);
                }
            }
        }
    }

    private HotChunk? TakeRetired(int size)
    {
        // The full fence orders the eviction's write of _chunks before this read of the reader count: a reader
        // that enters after it sees the new chunk list, so if none is inside now, none can hold a retired chunk.
        lock (_indexLock)
        {
            return size == _options.ChunkBytes && _retired.Count > 0 && Interlocked.CompareExchange(ref _activeReaders, 0, 0) == 0
                ? _retired.Dequeue()
                : null;
        }
    }

    /// <summary>See <see cref="EnterRead"/>.</summary>
    public readonly struct ReadScope(HotTier tier) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref tier._activeReaders);
    }
}
