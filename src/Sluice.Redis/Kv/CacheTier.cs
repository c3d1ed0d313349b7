namespace Sluice.Redis.Kv;

/// <summary>
/// The in-process tier: entries (stored bytes, tombstones too) with a time to live each, bounded in bytes, the least
/// recently used leaving first. One lock: every operation is a dictionary lookup and a list splice.
/// </summary>
internal sealed class CacheTier(long maxBytes)
{
    /// <summary>What an entry costs beside its stored bytes (key, node, slot), roughly.</summary>
    private const int Overhead = 160;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Slot>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Slot> _lru = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public long MaxBytes => maxBytes;

    public KvEntry? Get(string key, long nowMs)
    {
        lock (_gate)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                return null;
            }

            if (nowMs >= node.Value.Until)
            {
                Drop(node);
                return null;
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value.Entry;
        }
    }

    /// <summary>Caches <paramref name="entry"/> until its cache time to live passes, unless a newer version is cached.</summary>
    public void Set(KvEntry entry, long nowMs)
    {
        var until = entry.CacheUntil(nowMs);
        var cost = entry.Stored.Length + (entry.Key.Length * 2) + Overhead;
        lock (_gate)
        {
            if (_map.TryGetValue(entry.Key, out var old))
            {
                if (old.Value.Entry.Version > entry.Version)
                {
                    return;
                }

                Drop(old);
            }

            if (entry.CacheTtlMs <= 0 || until <= nowMs || cost > maxBytes)
            {
                return;
            }

            while (_bytes + cost > maxBytes && _lru.Last is { } last)
            {
                Drop(last);
            }

            _map[entry.Key] = _lru.AddFirst(new Slot(entry, until, cost));
            _bytes += cost;
        }
    }

    public void Remove(string key)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                Drop(node);
            }
        }
    }

    /// <summary>Drops the cached copy of <paramref name="key"/> if it is older than <paramref name="version"/>.</summary>
    public void RemoveIfOlder(string key, long version)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node) && node.Value.Entry.Version < version)
            {
                Drop(node);
            }
        }
    }

    /// <summary>Drops every entry whose time has passed; returns how many.</summary>
    public int RemoveExpired(long nowMs)
    {
        lock (_gate)
        {
            var expired = _lru.Where(s => nowMs >= s.Until).Select(s => s.Entry.Key).ToList();
            foreach (var key in expired)
            {
                Drop(_map[key]);
            }

            return expired.Count;
        }
    }

    private void Drop(LinkedListNode<Slot> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Entry.Key);
        _bytes -= node.Value.Cost;
    }

    private sealed record Slot(KvEntry Entry, long Until, long Cost);
}
