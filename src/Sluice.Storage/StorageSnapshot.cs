using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Storage;

/// <summary>
/// The read side of the storage door: one consistent view of where every stored event is, held until disposed.
/// <see cref="Parts"/> are leased (their files stay on disk) and hold exactly the events ≤ <see cref="Persisted"/>,
/// the manifest's P; <see cref="Chunks"/> in memory hold every event from <see cref="Seam"/> (B) up to
/// <see cref="MaxSeq"/>, and B ≤ P + 1. A reader splits at either point and reads each event exactly once: at B
/// (search, lookups by id and by trace: memory from B, parts below it) or at P (summaries and analytics: whole parts,
/// plus the rows above P from memory).
/// </summary>
public sealed class StorageSnapshot : IDisposable
{
    private readonly PartCatalog.Lease _lease;
    private readonly HotTier.ReadScope _scope;
    private readonly HotTier _hot;
    private readonly PartStatsCache _stats;
    private int _disposed;

    private StorageSnapshot(PartCatalog.Lease lease, HotTier.ReadScope scope, HotTier hot, PartStatsCache stats, long maxSeq,
        IReadOnlyList<HotChunk> chunks, DuckDbEngine engine, DuckDbEngine sandbox)
    {
        _lease = lease;
        _scope = scope;
        _hot = hot;
        _stats = stats;
        MaxSeq = maxSeq;
        Chunks = chunks;
        Seam = HotTier.SeamOf(chunks, maxSeq);
        Engine = engine;
        Sandbox = sandbox;
    }

    /// <summary>P: the parts hold exactly the events up to here; memory holds every event above it.</summary>
    public long Persisted => _lease.Manifest.PersistedThroughSeq;

    /// <summary>B: memory holds every event from here up to <see cref="MaxSeq"/>; the parts every event below it.</summary>
    public long Seam { get; }

    /// <summary>The highest sequence number visible when the snapshot was taken.</summary>
    public long MaxSeq { get; }

    /// <summary>The chunks in memory, oldest first; their rows stay readable until the snapshot is disposed.</summary>
    public IReadOnlyList<HotChunk> Chunks { get; }

    /// <summary>The sealed parts, warm and archived.</summary>
    public IReadOnlyList<PartInfo> Parts => _lease.Manifest.Parts;

    /// <summary>Events held in <see cref="Chunks"/>.</summary>
    public long MemoryRows => Chunks.Sum(c => (long)c.Count);

    /// <summary>Memory held by <see cref="Chunks"/>, rows and their indexes: what <c>Hot:MaxBytes</c> bounds.</summary>
    public long MemoryBytes => Chunks.Sum(c => c.MemoryBytes);

    /// <summary>The engine over the parts (search, summaries; compaction shares it, and with it one memory limit).</summary>
    public DuckDbEngine Engine { get; }

    /// <summary>The engine user-written SQL and language queries run on: it reads the parts and nothing else.</summary>
    public DuckDbEngine Sandbox { get; }

    /// <summary>A part's statistics and summary (read from its stats file once, then cached).</summary>
    /// <exception cref="IOException">The stats file cannot be read (also <see cref="InvalidDataException"/>, <see cref="UnauthorizedAccessException"/>, <see cref="System.Text.Json.JsonException"/>).</exception>
    public PartStats StatsOf(PartInfo part) => _stats.Get(part);

    /// <summary>The newest row in memory with this id: one at or above <see cref="Seam"/>, or, if there is none, it is in a part if anywhere.</summary>
    public bool TryFind(ReadOnlySpan<byte> id, out RowRef row) => _hot.TryFind(Chunks, id, out row);

    /// <summary>Every row in memory of this trace, newest first; the trace's rows below <see cref="Seam"/> are in parts.</summary>
    public List<RowRef> FindTrace(ReadOnlySpan<byte> traceId) => _hot.FindTrace(Chunks, traceId);

    internal static StorageSnapshot Take(HotTier hot, PartCatalog catalog, PartStatsCache stats, DuckDbEngine engine, DuckDbEngine sandbox)
    {
        while (true)
        {
            var lease = catalog.Acquire();
            var scope = hot.EnterRead();
            // MaxSeq before the chunks: a chunk is in the list before any row of it is counted in MaxSeq.
            var maxSeq = hot.MaxSeq;
            var chunks = hot.Chunks;
            // A seal published after the lease may already have let chunks above P leave memory: their events would
            // be in neither source. Rare (it needs memory pressure in that instant); take a fresh lease and retry.
            if (HotTier.SeamOf(chunks, maxSeq) <= lease.Manifest.PersistedThroughSeq + 1)
            {
                return new StorageSnapshot(lease, scope, hot, stats, maxSeq, chunks, engine, sandbox);
            }

            scope.Dispose();
            lease.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _scope.Dispose();
            _lease.Dispose();
        }
    }
}
