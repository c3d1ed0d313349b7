namespace Sluice.Redis.Kv;

/// <summary>
/// Versions of writes made on this node: the clock in microseconds, but always above the last one given, so two
/// writes in one millisecond are ordered. Between nodes the clock decides (last writer wins), so nodes sharing a Redis
/// need synchronised clocks; a write is also always above the version it replaces that this node knows.
/// </summary>
internal sealed class KvVersions
{
    private long _last;

    public long Next(long nowMs, long above = 0)
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(Math.Max(nowMs * 1000, last + 1), above + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
