namespace Sluice.Redis.Kv;

/// <summary>What the durable tier keeps in memory about one of its files: enough to answer stats, cleanup and reconciliation without reading it.</summary>
internal sealed class DurableInfo
{
    private long _lastAccessMs;
    private long _redisUntilMs;

    public DurableInfo(KvEntry header, int storedBytes, long redisUntilMs)
    {
        Key = header.Key;
        Version = header.Version;
        Flags = header.Flags;
        StoredBytes = storedBytes;
        UpdatedMs = header.UpdatedMs;
        ExpiresAtMs = header.ExpiresAtMs;
        RedisTtlMs = header.RedisTtlMs;
        _lastAccessMs = header.UpdatedMs;
        _redisUntilMs = redisUntilMs;
    }

    public string Key { get; }

    public long Version { get; }

    public KvFlags Flags { get; }

    public int StoredBytes { get; }

    public long UpdatedMs { get; }

    public long ExpiresAtMs { get; }

    public long RedisTtlMs { get; }

    public bool IsTombstone => (Flags & KvFlags.Tombstone) != 0;

    public bool IsExpired(long nowMs) => ExpiresAtMs != 0 && nowMs >= ExpiresAtMs;

    /// <summary>When this node last read or wrote the key (in memory only: after a restart, when it was written). Cleanup's <c>lru</c> order.</summary>
    public long LastAccessMs
    {
        get => Volatile.Read(ref _lastAccessMs);
        set => Volatile.Write(ref _lastAccessMs, value);
    }

    /// <summary>Until when Redis is meant to hold this version (0: no end); reconciliation pushes it back only before then.</summary>
    public long RedisUntilMs
    {
        get => Volatile.Read(ref _redisUntilMs);
        set => Volatile.Write(ref _redisUntilMs, value);
    }

    /// <summary>Whether Redis should hold this version at <paramref name="nowMs"/>.</summary>
    public bool BelongsInRedis(long nowMs) => RedisTtlMs != 0 && !IsExpired(nowMs) && (RedisUntilMs == 0 || RedisUntilMs > nowMs);
}
