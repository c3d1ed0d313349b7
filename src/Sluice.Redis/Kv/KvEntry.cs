namespace Sluice.Redis.Kv;

/// <summary>How a stored value is kept. Written to disk (docs/storage.md, "KV files"): the values never change.</summary>
[Flags]
internal enum KvFlags : byte
{
    None = 0,

    /// <summary>The stored bytes are one zstd frame of the value.</summary>
    Zstd = 1,

    /// <summary>The key was deleted; the entry remembers it until it expires, so no tier brings the value back.</summary>
    Tombstone = 2,
}

/// <summary>
/// One version of a key, as every tier keeps it: the stored bytes (compressed when <see cref="KvFlags.Zstd"/>) and
/// what decides between copies — the <see cref="Version"/> (newer wins everywhere) and the time to live of each tier.
/// </summary>
internal sealed record KvEntry
{
    /// <summary>A tier time to live meaning "as long as the value lives".</summary>
    public const long Forever = -1;

    public required string Key { get; init; }

    /// <summary>Microseconds since the epoch when it was written, made unique per node (<see cref="KvVersions"/>).</summary>
    public required long Version { get; init; }

    public KvFlags Flags { get; init; }

    public string ContentType { get; init; } = "";

    public byte[] Stored { get; init; } = [];

    /// <summary>The value's length before compression.</summary>
    public int RawLength { get; init; }

    public long UpdatedMs { get; init; }

    /// <summary>When the value (or the tombstone) is gone from every tier; 0: never.</summary>
    public long ExpiresAtMs { get; init; }

    /// <summary>How long a copy stays in a node's cache once put there, in ms; 0: never cached.</summary>
    public long CacheTtlMs { get; init; }

    /// <summary>How long a copy stays in Redis once put there, in ms; 0: never in Redis; <see cref="Forever"/>: as long as the value.</summary>
    public long RedisTtlMs { get; init; } = Forever;

    public bool IsTombstone => (Flags & KvFlags.Tombstone) != 0;

    public bool IsExpired(long nowMs) => ExpiresAtMs != 0 && nowMs >= ExpiresAtMs;

    /// <summary>When a copy cached at <paramref name="nowMs"/> leaves the cache.</summary>
    public long CacheUntil(long nowMs) => Cap(nowMs + CacheTtlMs);

    /// <summary>When a copy written to Redis at <paramref name="nowMs"/> expires there; 0: it does not expire.</summary>
    public long RedisUntil(long nowMs) => RedisTtlMs == Forever ? ExpiresAtMs : Cap(nowMs + RedisTtlMs);

    private long Cap(long until) => ExpiresAtMs == 0 ? until : Math.Min(until, ExpiresAtMs);
}
