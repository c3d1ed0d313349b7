using System.Collections.Concurrent;

namespace Sluice.Storage.Partitions;

/// <summary>The stats files of live parts, read once and kept: a few KB of trace hashes and counts per part-hour.</summary>
internal sealed class PartStatsCache
{
    private readonly ConcurrentDictionary<string, PartStats> _byPath = new(StringComparer.Ordinal);

    public PartStats Get(PartInfo part) => _byPath.GetOrAdd(part.Path, static (_, p) => PartStats.Read(p.StatsPath), part);

    public void Put(PartInfo part, PartStats stats) => _byPath[part.Path] = stats;

    public void Forget(string partPath) => _byPath.TryRemove(partPath, out _);

    /// <summary>Drops entries of parts no longer listed (a query on an older lease may have loaded one late).</summary>
    public void Retain(Manifest manifest)
    {
        if (_byPath.Count <= manifest.Parts.Count)
        {
            return;
        }

        var live = manifest.Parts.Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var path in _byPath.Keys)
        {
            if (!live.Contains(path))
            {
                _byPath.TryRemove(path, out _);
            }
        }
    }
}
