namespace Sluice.Storage.Hot;

/// <summary>
/// A run of consecutive hot rows: their bytes in one array and their <see cref="RowEntry"/> index. Written by the
/// single WAL writer thread, read by any number of searches without locks: the writer fills a slot, then publishes
/// it by advancing <see cref="Count"/> with release semantics; readers load Count first (acquire).
/// </summary>
public sealed class HotChunk
{
    // A dictionary entry of <ulong, int> with its bucket costs about 28 bytes.
    private const int IndexEntryBytes = 28;

    private readonly int _expectedRows;
    private RowEntry[] _rows;
    private int _count;
    private long _sealedTicks;

    /// <param name="expectedRows">Rows it is sized for: the last full chunk's count, so the row index rarely grows.</param>
    /// <param name="retired">An evicted chunk of the same buffer size that no reader can still see: its buffer, row
    /// index and dictionaries are taken over, so a steady load allocates no large arrays for the hot tier.</param>
    internal HotChunk(int bufferBytes, int expectedRows, HotChunk? retired = null)
    {
        _expectedRows = Math.Max(64, expectedRows);
        if (retired is not null && retired.Buffer.Length == bufferBytes)
        {
            Buffer = retired.Buffer;
            _rows = retired._rows.Length >= _expectedRows ? retired._rows : new RowEntry[_expectedRows];
            IdIndex = retired.IdIndex;
            LastOfTrace = retired.LastOfTrace;
            IdIndex.Clear();
            LastOfTrace.Clear();
            retired.Buffer = [];
            retired._rows = [];
        }
        else
        {
            Buffer = GC.AllocateUninitializedArray<byte>(bufferBytes);
            _rows = new RowEntry[_expectedRows];
            IdIndex = new Dictionary<ulong, int>(_expectedRows);
            LastOfTrace = new Dictionary<ulong, int>(_expectedRows / 8);
        }

        MinTimestamp = long.MaxValue;
        MaxTimestamp = long.MinValue;
    }

    /// <summary>
    /// Id hash → row index in this chunk. Indexes live per chunk so that evicting a chunk drops its index
    /// whole: one global index cost a 5–10 ms cleanup per eviction on the writer thread (p99 of acks).
    /// </summary>
    internal Dictionary<ulong, int> IdIndex { get; }

    /// <summary>Trace id hash → newest row of that trace in this chunk; rows chain back through <see cref="RowEntry.PreviousInTrace"/>.</summary>
    internal Dictionary<ulong, int> LastOfTrace { get; }

    /// <summary>The rows' bytes; a row is <see cref="RowEntry.Length"/> bytes at <see cref="RowEntry.Offset"/>.</summary>
    public ReadOnlyMemory<byte> Data => Buffer;

    internal byte[] Buffer { get; private set; }

    /// <summary>
    /// The trigrams of this chunk's messages, built when it is sealed (it no longer changes): a search for text skips
    /// a chunk that cannot hold it, as it skips such a part. Null while the chunk is filled.
    /// </summary>
    public Partitions.TextTrigrams? Text
    {
        get => Volatile.Read(ref _text);
        internal set => Volatile.Write(ref _text, value);
    }

    private Partitions.TextTrigrams? _text;

    /// <summary>Bytes of <see cref="Data"/> in use.</summary>
    public int UsedBytes { get; private set; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Memory this chunk holds: row bytes plus its row index and id/trace dictionaries, which for small rows
    /// weigh as much as the rows themselves (an estimate: dictionaries are counted at their presized capacity).
    /// </summary>
    public long MemoryBytes =>
        Buffer.Length
        + ((long)Rows.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<RowEntry>())
        + ((long)(Math.Max(IdIndex.Count, _expectedRows) + Math.Max(LastOfTrace.Count, _expectedRows / 8)) * IndexEntryBytes);

    /// <summary>The index entries; valid up to a <see cref="Count"/> read before this property.</summary>
    public RowEntry[] Rows => Volatile.Read(ref _rows);

    public long MinTimestamp { get; private set; }

    public long MaxTimestamp { get; private set; }

    public long FirstSeq { get; private set; }

    public long LastSeq { get; private set; }

    /// <summary>Full: no more rows go in; it has been offered to the <see cref="ISealedChunkSink"/>.</summary>
    internal bool IsSealed
    {
        get => _sealedTicks != 0;
        set => Volatile.Write(ref _sealedTicks, value ? Math.Max(1, Environment.TickCount64) : 0);
    }

    /// <summary>When it was sealed (<see cref="Environment.TickCount64"/>), or 0.</summary>
    internal long SealedTicks => Volatile.Read(ref _sealedTicks);

    /// <summary>When its first row came in (<see cref="Environment.TickCount64"/>).</summary>
    internal long StartedTicks { get; } = Environment.TickCount64;

    /// <summary>Its rows are durable outside the WAL (or nothing needs them to be), so it may leave memory.</summary>
    public bool IsPersisted { get; internal set; }

    /// <summary>When it was persisted, by the storage clock (epoch ms): how long it has been kept only as a cache.</summary>
    public long PersistedAtMs { get; internal set; }

    public ReadOnlySpan<byte> RowBytes(int index)
    {
        ref readonly var entry = ref Rows[index];
        return Buffer.AsSpan(entry.Offset, entry.Length);
    }

    internal bool HasRoomFor(int bytes) => Data.Length - UsedBytes >= bytes;

    /// <summary>Copies a row in and publishes it; returns its index inside this chunk.</summary>
    internal int Add(ReadOnlySpan<byte> row, in RowEntry entry)
    {
        var index = _count;
        if (index == _rows.Length)
        {
            var grown = new RowEntry[_rows.Length * 2];
            _rows.AsSpan().CopyTo(grown);
            Volatile.Write(ref _rows, grown);
        }

        row.CopyTo(Buffer.AsSpan(UsedBytes));
        var stored = entry;
        stored.Offset = UsedBytes;
        stored.Length = row.Length;
        _rows[index] = stored;
        UsedBytes += row.Length;
        if (index == 0)
        {
            FirstSeq = entry.Seq;
        }

        LastSeq = entry.Seq;
        MinTimestamp = Math.Min(MinTimestamp, entry.Timestamp);
        MaxTimestamp = Math.Max(MaxTimestamp, entry.Timestamp);
        Volatile.Write(ref _count, index + 1);
        return index;
    }
}
