using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>Counts of stored events matching a filter per bin: how a monitor's buckets are filled for the past, once.</summary>
internal interface IMonitorBackfill
{
    /// <summary>Whether stored events can be queried yet (recovery done).</summary>
    bool Ready { get; }

    /// <summary>(bin start, count) for each non-empty bin of <paramref name="binMs"/> in [start, end).</summary>
    IReadOnlyList<(long BinStartMs, long Count)> Count(Filter filter, long startMs, long endMs, long binMs, CancellationToken cancel);
}
