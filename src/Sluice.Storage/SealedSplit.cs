using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Storage;

/// <summary>
/// A consistent view of where every event is: the leased parts hold exactly the events ≤ <see cref="Persisted"/>
/// (the manifest's P), and <see cref="Chunks"/> still hold every event above it. Taken by reads that split at P
/// (summaries, analytics); dispose to release the lease and the hot read scope.
/// </summary>
public sealed class SealedSplit : IDisposable
{
    private readonly HotTier.ReadScope _scope;

    private SealedSplit(PartCatalog.Lease lease, HotTier.ReadScope scope, IReadOnlyList<HotChunk> chunks)
    {
        Lease = lease;
        _scope = scope;
        Chunks = chunks;
    }

    public PartCatalog.Lease Lease { get; }

    public long Persisted => Lease.Manifest.PersistedThroughSeq;

    public IReadOnlyList<HotChunk> Chunks { get; }

    public static SealedSplit Take(EventStore store)
    {
        while (true)
        {
            var lease = store.Catalog.Acquire();
            var scope = store.Hot.EnterRead();
            var chunks = store.Hot.Chunks;
            // A seal published after the lease may already have let chunks above P leave memory: their events would
            // be in neither source. Rare (it needs memory pressure in that instant); take a fresh lease and retry.
            if (HotTier.SeamOf(chunks, store.Hot.MaxSeq) <= lease.Manifest.PersistedThroughSeq + 1)
            {
                return new SealedSplit(lease, scope, chunks);
            }

            scope.Dispose();
            lease.Dispose();
        }
    }

    public void Dispose()
    {
        _scope.Dispose();
        Lease.Dispose();
    }
}
