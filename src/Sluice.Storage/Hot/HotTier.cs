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
/// </summary>
public sealed class HotTier : IWalConsumer
{
    private readonly HotTierOptions _options;
    private readonly ISealedChunkSink _sink;
    private readonly ILogger _logger;
    private readonly object _indexLock = new();
    private readonly Dictionary<ulong, long> _byId = [];
    private readonly Dictionary<ulong, long> _lastOfTrace = [];
    private HotChunk[] _chunks = [];
    private HotChunk? _current;
    private long _nextIndex;
    private long _maxSeq;
    private long _bytes;
    private long _rows;
    private bool _warnedUnpersisted;

    public HotTier(HotTierOptions options, ISealedChunkSink sink, ILogger logger)
    {
        _options = options;
        _sink = sink;
        _logger = logger;
    }

    /// <summary>Highest event sequence number that is visible to searches.</summary>
    public long MaxSeq => Volatile.Read(ref _maxSeq);

    public long RowCount => Volatile.Read(ref _rows);

    /// <summary>Memory held by chunk buffers, in bytes.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The live chunks, oldest first; an immutable snapshot.</summary>
    public IReadOnlyList<HotChunk> Chunks => Volatile.Read(ref _chunks);

    public void Apply(WalRecord record)
    {
        var rows = record.Rows;
        var seq = record.FirstSeq;
        lock (_indexLock)
        {
            while (!rows.IsEmpty)
            {
                var length = RowLayout.ReadLength(rows);
                AddRow(rows[..length], seq++);
                rows = rows[length..];
            }
        }

        Volatile.Write(ref _maxSeq, seq - 1);
        EvictOverflow();
    }

    /// <summary>Finds the newest hot row with this id.</summary>
    public bool TryFind(ReadOnlySpan<byte> id, out RowRef row)
    {
        lock (_indexLock)
        {
            if (_byId.TryGetValue(FieldHash.Of64(id), out var index) && TryLocate(index, out row)
                && RowReader.TryGetString(row.Bytes, FieldTag.Id, out var stored) && stored.SequenceEqual(id))
            {
                return true;
            }
        }

        row = default;
        return false;
    }

    /// <summary>Every hot row of a trace, newest first.</summary>
    public List<RowRef> FindTrace(ReadOnlySpan<byte> traceId)
    {
        var found = new List<RowRef>();
        lock (_indexLock)
        {
            if (!_lastOfTrace.TryGetValue(FieldHash.Of64(traceId), out var index))
            {
                return found;
            }

            while (index >= 0 && TryLocate(index, out var row))
            {
                if (RowReader.TryGetString(row.Bytes, FieldTag.TraceId, out var stored) && stored.SequenceEqual(traceId))
                {
                    found.Add(row);
                }

                index = row.Entry.PreviousInTrace;
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

        var global = _nextIndex++;
        if (!trace.IsEmpty)
        {
            var traceKey = FieldHash.Of64(trace);
            if (_lastOfTrace.TryGetValue(traceKey, out var previous))
            {
                entry.PreviousInTrace = previous;
            }

            _lastOfTrace[traceKey] = global;
        }

        if (!id.IsEmpty)
        {
            _byId[FieldHash.Of64(id)] = global;
        }

        var chunk = _current;
        if (chunk is null || !chunk.HasRoomFor(row.Length))
        {
            chunk = StartChunk(global, row.Length);
        }

        chunk.Add(row, entry);
        Interlocked.Increment(ref _rows);
    }

    private HotChunk StartChunk(long baseIndex, int rowLength)
    {
        if (_current is { } full)
        {
            full.IsSealed = true;
            _sink.Accept(full);
        }

        var chunk = new HotChunk(baseIndex, Math.Max(_options.ChunkBytes, rowLength));
        Volatile.Write(ref _chunks, [.. _chunks, chunk]);
        Interlocked.Add(ref _bytes, chunk.Data.Length);
        _current = chunk;
        return chunk;
    }

    private void EvictOverflow()
    {
        while (Bytes > _options.MaxBytes)
        {
            var chunks = _chunks;
            var oldest = chunks[0];
            if (chunks.Length < 2 || !oldest.IsSealed || !oldest.IsPersisted)
            {
                if (!_warnedUnpersisted)
                {
                    _warnedUnpersisted = true;
                    _logger.LogWarning("Hot tier is over its bound ({Bytes} bytes) but its oldest chunk is not persisted yet", Bytes);
                }

                return;
            }

            lock (_indexLock)
            {
                ForgetIndexEntries(oldest);
                Volatile.Write(ref _chunks, chunks[1..]);
            }

            Interlocked.Add(ref _bytes, -oldest.Data.Length);
            Interlocked.Add(ref _rows, -oldest.Count);
        }
    }

    /// <summary>Drops the id and trace entries that point into a chunk that is leaving memory.</summary>
    private void ForgetIndexEntries(HotChunk chunk)
    {
        for (var i = 0; i < chunk.Count; i++)
        {
            var global = chunk.BaseIndex + i;
            var reader = new RowReader(chunk.RowBytes(i));
            while (reader.MoveNext())
            {
                var index = reader.Tag switch
                {
                    FieldTag.Id => _byId,
                    FieldTag.TraceId => _lastOfTrace,
                    _ => null,
                };
                var key = index is null ? 0 : FieldHash.Of64(reader.Value);
                if (index is not null && index.TryGetValue(key, out var pointed) && pointed == global)
                {
                    index.Remove(key);
                }
            }
        }
    }

    private bool TryLocate(long globalIndex, out RowRef row)
    {
        var chunks = _chunks;
        int lo = 0, hi = chunks.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var chunk = chunks[mid];
            if (globalIndex < chunk.BaseIndex)
            {
                hi = mid - 1;
            }
            else if (globalIndex >= chunk.BaseIndex + chunk.Count)
            {
                lo = mid + 1;
            }
            else
            {
                row = new RowRef(chunk, (int)(globalIndex - chunk.BaseIndex));
                return true;
            }
        }

        row = default;
        return false;
    }
}
