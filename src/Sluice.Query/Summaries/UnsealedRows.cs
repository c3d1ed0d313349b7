using Sluice.Core.Events;
using Sluice.Storage;

namespace Sluice.Query.Summaries;

/// <summary>
/// The part of a time range that no part holds yet: the snapshot's rows in memory above its persisted seq, of one
/// kind (or of every kind) and with a timestamp in [start, end). Summaries, series and details count these. Each row is
/// handed over as memory, which a <see cref="Language.RowPredicate"/> takes.
/// </summary>
internal static class UnsealedRows
{
    public static void ForEach(StorageSnapshot snapshot, EventKind? kind, long startMs, long endMs, Action<ReadOnlyMemory<byte>> each)
    {
        var persisted = snapshot.Persisted;
        foreach (var chunk in snapshot.Chunks)
        {
            var count = chunk.Count;
            if (count == 0 || chunk.LastSeq <= persisted || chunk.MaxTimestamp < startMs || chunk.MinTimestamp >= endMs)
            {
                continue;
            }

            var rows = chunk.Rows;
            for (var i = 0; i < count; i++)
            {
                ref readonly var entry = ref rows[i];
                if (entry.Seq > persisted && (kind is null || entry.Kind == kind) && entry.Timestamp >= startMs && entry.Timestamp < endMs)
                {
                    each(chunk.Data.Slice(entry.Offset, entry.Length));
                }
            }
        }
    }
}
