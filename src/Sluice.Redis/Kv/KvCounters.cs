namespace Sluice.Redis.Kv;

/// <summary>Which tier answered a read (or none did).</summary>
internal enum KvTier
{
    None,
    Cache,
    Redis,
    Durable,
}

/// <summary>The store's counters since start, for <c>/api/kv/stats</c> and <c>/metrics</c>.</summary>
internal sealed class KvCounters
{
    private readonly long[] _hits = new long[4];
    private readonly long[] _misses = new long[4];
    private long _redisErrors;
    private long _reads, _found, _cacheRepairs, _redisRepairs, _writes, _deletes, _compressed, _redisPushes;

    public long CacheHits => Hits(KvTier.Cache);
    public long CacheMisses => Misses(KvTier.Cache);
    public long RedisErrors => Interlocked.Read(ref _redisErrors);
    public long Reads => Interlocked.Read(ref _reads);
    public long Found => Interlocked.Read(ref _found);
    public long CacheRepairs => Interlocked.Read(ref _cacheRepairs);
    public long RedisRepairs => Interlocked.Read(ref _redisRepairs);
    public long Writes => Interlocked.Read(ref _writes);
    public long Deletes => Interlocked.Read(ref _deletes);
    public long Compressed => Interlocked.Read(ref _compressed);
    public long RedisPushes => Interlocked.Read(ref _redisPushes);

    /// <summary>Cache hits over cache lookups; 0 before the first lookup.</summary>
    public double CacheHitRatio => Ratio(CacheHits, CacheHits + CacheMisses);

    /// <summary>Reads answered with a value (from any tier) over reads.</summary>
    public double HitRatio => Ratio(Found, Reads);

    public long Hits(KvTier tier) => Interlocked.Read(ref _hits[(int)tier]);

    public long Misses(KvTier tier) => Interlocked.Read(ref _misses[(int)tier]);

    public void Hit(KvTier tier) => Interlocked.Increment(ref _hits[(int)tier]);

    public void Miss(KvTier tier) => Interlocked.Increment(ref _misses[(int)tier]);

    public void Read(bool found)
    {
        Interlocked.Increment(ref _reads);
        if (found)
        {
            Interlocked.Increment(ref _found);
        }
    }

    public void Repaired(KvTier tier) => Interlocked.Increment(ref tier == KvTier.Cache ? ref _cacheRepairs : ref _redisRepairs);

    public void RedisError() => Interlocked.Increment(ref _redisErrors);

    public void RedisPushed() => Interlocked.Increment(ref _redisPushes);

    public void Wrote(bool compressed, bool delete)
    {
        Interlocked.Increment(ref delete ? ref _deletes : ref _writes);
        if (compressed)
        {
            Interlocked.Increment(ref _compressed);
        }
    }

    private static double Ratio(long part, long whole) => whole == 0 ? 0 : (double)part / whole;
}
