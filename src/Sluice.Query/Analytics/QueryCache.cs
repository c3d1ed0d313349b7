using Sluice.Core.Time;

namespace Sluice.Query.Analytics;

/// <summary>
/// Finished answers (their JSON bytes) to queries over sealed time ranges, kept for a TTL within a byte budget;
/// the oldest entries leave first. Only ranges wholly before the oldest unsealed event are cached, so an entry can
/// go stale only by a late event or a cleanup inside its range, and then for at most the TTL.
/// </summary>
public sealed class QueryCache(int ttlSeconds, long maxBytes, IClock clock)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (byte[] Body, long ExpiresMs)> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private long _bytes;
    private long _hits;
    private long _misses;

    public bool Enabled => ttlSeconds > 0;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    public bool TryGet(string key, out byte[] body)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresMs > clock.UnixMilliseconds)
            {
                _hits++;
                body = entry.Body;
                return true;
            }

            _misses++;
            body = [];
            return false;
        }
    }

    public void Put(string key, byte[] body)
    {
        if (!Enabled || body.Length > maxBytes / 4)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.Remove(key, out var old))
            {
                _bytes -= old.Body.Length;
                _order.Remove(key);
            }

            _entries[key] = (body, clock.UnixMilliseconds + (ttlSeconds * 1000L));
            _order.AddLast(key);
            _bytes += body.Length;
            while (_bytes > maxBytes && _order.First is { } oldest)
            {
                _order.RemoveFirst();
                _bytes -= _entries[oldest.Value].Body.Length;
                _entries.Remove(oldest.Value);
            }
        }
    }
}
