using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;

namespace Sluice.Redis.Kv;

/// <summary>What happened to Redis's copy on a write.</summary>
internal enum RedisOutcome
{
    /// <summary>No Redis is configured: the store runs on two tiers.</summary>
    NotConfigured,

    /// <summary>Redis has this version.</summary>
    Written,

    /// <summary>Redis already held a newer version (another node wrote after this one).</summary>
    Newer,

    /// <summary>Write-behind: the flusher will write it.</summary>
    Queued,

    /// <summary>Redis could not be reached; the flusher will write it once it answers.</summary>
    Unavailable,

    /// <summary>The write's <c>redis_ttl</c> is 0 (or already over): Redis keeps no copy, and an older one there was removed.</summary>
    Skipped,
}

/// <summary>The outcome of a write: the entry written, or an error with its HTTP status.</summary>
internal readonly record struct KvWrite(KvEntry? Entry, RedisOutcome Redis, FieldError? Error, int Status);

/// <summary>The outcome of a read: the entry found (perhaps a tombstone: deleted) and the tier that answered.</summary>
internal readonly record struct KvRead(string Key, KvEntry? Entry, KvTier Tier)
{
    public bool Found => Entry is { IsTombstone: false };
}

/// <summary>
/// Seed 002's three tiers behind one door. Reads go cache → Redis → durable, and a value found in a slower tier is
/// written back to the faster ones it was missing from (read-repair). Writes go to the durable tier first (always,
/// fsynced), then the cache, then Redis — at once (write-through) or by the flusher (write-behind); a write Redis
/// could not take waits in the <see cref="KvBacklog"/>. Versions decide between copies everywhere.
/// </summary>
internal sealed class KvStore
{
    private const int Stripes = 64;

    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly KvVersions _versions = new();
    private readonly ILogger _logger;
    private string? _lastRedisError;

    public KvStore(KvOptions options, DurableTier durable, CacheTier cache, RedisTier? redis, IClock clock, ILogger logger)
    {
        Options = options;
        Durable = durable;
        Cache = cache;
        Redis = redis;
        Clock = clock;
        _logger = logger;
    }

    public KvOptions Options { get; }

    public DurableTier Durable { get; }

    public CacheTier Cache { get; }

    public RedisTier? Redis { get; }

    public IClock Clock { get; }

    public KvBacklog Backlog { get; } = new();

    public KvCounters Counters { get; } = new();

    /// <summary>The last Redis failure the store fell back from (type and message, never an address).</summary>
    public string? LastRedisError => Volatile.Read(ref _lastRedisError);

    /// <param name="repair">False for a look that changes nothing (a dry run, a deletion's check): no read-repair, and the key's last use stays.</param>
    public async Task<KvRead> GetAsync(string key, bool repair = true) => (await GetManyAsync([key], repair))[0];

    /// <summary>Reads several keys: the cache first, then one pipelined round trip to Redis for the rest, then the durable tier.</summary>
    public async Task<KvRead[]> GetManyAsync(IReadOnlyList<string> keys, bool repair = true)
    {
        var now = Clock.UnixMilliseconds;
        var reads = new KvRead[keys.Count];
        var misses = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (Cache.Get(keys[i], now) is { } cached)
            {
                Counters.Hit(KvTier.Cache);
                if (repair)
                {
                    Touch(keys[i], now);
                }

                reads[i] = Done(new KvRead(keys[i], cached, KvTier.Cache));
            }
            else
            {
                Counters.Miss(KvTier.Cache);
                misses.Add(i);
            }
        }

        if (misses.Count == 0)
        {
            return reads;
        }

        KvEntry?[]? fromRedis = null;
        if (Redis is { Available: true })
        {
            try
            {
                fromRedis = await Redis.GetManyAsync([.. misses.Select(i => keys[i])]);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RedisFailed(e);
            }
        }

        for (var m = 0; m < misses.Count; m++)
        {
            var i = misses[m];
            reads[i] = Done(await FinishReadAsync(keys[i], fromRedis?[m], fromRedis is not null, now, repair));
        }

        return reads;
    }

    /// <summary>Writes a value (the caller has checked it with <see cref="KvPut.Check"/>).</summary>
    public async Task<KvWrite> PutAsync(KvPut put, KvWriteMode mode)
    {
        var now = Clock.UnixMilliseconds;
        var (stored, flags) = KvCodec.Encode(put.Value.Span, Options.CompressAboveBytes);
        var entry = new KvEntry
        {
            Key = put.Key,
            Version = 0,
            Flags = flags,
            ContentType = put.ContentType,
            Stored = stored,
            RawLength = put.Value.Length,
            UpdatedMs = now,
            ExpiresAtMs = put.TtlMs is { } ttl ? now + ttl : 0,
            CacheTtlMs = put.ResolvedCacheTtlMs(Options),
            RedisTtlMs = put.RedisTtlMs ?? KvEntry.Forever,
        };
        return await WriteAsync(entry, mode, now);
    }

    /// <summary>Deletes a key in every tier, leaving a tombstone for <c>Kv:TombstoneSeconds</c>; 404 when no tier has it.</summary>
    public async Task<KvWrite> DeleteAsync(string key, KvWriteMode mode)
    {
        var found = await GetAsync(key, repair: false);
        if (!found.Found)
        {
            return new KvWrite(null, RedisOutcome.Skipped, new FieldError(ErrorCodes.NotFound, "key", $"no value has key '{key}'"), 404);
        }

        var now = Clock.UnixMilliseconds;
        var tombstone = new KvEntry
        {
            Key = key,
            Version = found.Entry!.Version,
            Flags = KvFlags.Tombstone,
            UpdatedMs = now,
            ExpiresAtMs = now + (Options.TombstoneSeconds * 1000L),
            CacheTtlMs = Options.CacheTtlSeconds * 1000L,
            RedisTtlMs = KvEntry.Forever,
        };
        return await WriteAsync(tombstone, mode, now);
    }

    /// <summary>
    /// Writes <paramref name="entry"/> to Redis unless Redis holds a newer version (a newer write by any node); with
    /// <c>redis_ttl</c> 0 removes an older copy instead. Throws when Redis fails.
    /// </summary>
    /// <param name="untilMs">When Redis's copy is to expire (0: never).</param>
    public async Task<RedisOutcome> PushAsync(KvEntry entry, long untilMs, long nowMs)
    {
        if (Redis is null)
        {
            return RedisOutcome.NotConfigured;
        }

        if (entry.RedisTtlMs == 0 || (untilMs != 0 && untilMs <= nowMs))
        {
            await Redis.RemoveOlderAsync(entry.Key, entry.Version);
            return RedisOutcome.Skipped;
        }

        var written = await Redis.PutAsync(entry, untilMs);
        Counters.RedisPushed();
        if (Durable.Info(entry.Key) is { } info && info.Version == entry.Version)
        {
            info.RedisUntilMs = untilMs;
        }

        return written ? RedisOutcome.Written : RedisOutcome.Newer;
    }

    /// <summary>Takes a newer version found in Redis into the durable tier (reconciliation), unless a newer one arrived meanwhile.</summary>
    public async Task<bool> PullAsync(KvEntry newer)
    {
        using (await LockAsync(newer.Key))
        {
            if (Durable.Info(newer.Key) is { } info && info.Version >= newer.Version)
            {
                return false;
            }

            Durable.Write(newer, newer.RedisUntil(newer.UpdatedMs));
            Cache.RemoveIfOlder(newer.Key, newer.Version);
            return true;
        }
    }

    /// <summary>Deletes the durable file of <paramref name="key"/> if it still holds <paramref name="version"/> (an expired value or tombstone).</summary>
    public async Task<bool> ForgetAsync(string key, long version)
    {
        using (await LockAsync(key))
        {
            if (Durable.Info(key) is not { } info || info.Version != version)
            {
                return false;
            }

            Cache.Remove(key);
            return Durable.Remove(key);
        }
    }

    public void RedisFailed(Exception e)
    {
        Counters.RedisError();
        Volatile.Write(ref _lastRedisError, $"{e.GetType().Name}: {e.Message}");
        _logger.LogDebug(e, "KV fell back from Redis");
    }

    private async Task<KvWrite> WriteAsync(KvEntry entry, KvWriteMode mode, long now)
    {
        var redisUntil = entry.RedisTtlMs == 0 ? 0 : entry.RedisUntil(now);
        using (await LockAsync(entry.Key))
        {
            var old = Durable.Info(entry.Key);
            var bounded = !KvKeys.IsReserved(entry.Key); // Sluice's own few keys are bounded by their own checks
            if (bounded && !entry.IsTombstone && (old is null || old.IsTombstone) && Durable.LiveKeys >= Options.MaxKeys)
            {
                return Full("key", $"the store holds {Options.MaxKeys} keys (Kv:MaxKeys); delete or clean up some first");
            }

            var growth = entry.Stored.Length - (old?.StoredBytes ?? 0);
            if (bounded && growth > 0 && Durable.Bytes + growth > Options.MaxDiskMb * 1024L * 1024)
            {
                return Full("value", $"the store holds {Durable.Bytes} bytes and may hold {Options.MaxDiskMb} MiB (Kv:MaxDiskMb); delete or clean up some first");
            }

            entry = entry with { Version = _versions.Next(now, Math.Max(old?.Version ?? 0, entry.Version)) };
            Durable.Write(entry, redisUntil).LastAccessMs = now;
            Cache.Set(entry, now); // also drops an older cached copy when this write is not to be cached
        }

        Counters.Wrote((entry.Flags & KvFlags.Zstd) != 0, entry.IsTombstone);
        return new KvWrite(entry, await ToRedisAsync(entry, redisUntil, mode, now), null, 200);
    }

    private async Task<RedisOutcome> ToRedisAsync(KvEntry entry, long untilMs, KvWriteMode mode, long now)
    {
        if (Redis is null)
        {
            return RedisOutcome.NotConfigured;
        }

        if (mode == KvWriteMode.Behind || !Redis.Available)
        {
            Backlog.Add(entry.Key, entry.Version);
            return mode == KvWriteMode.Behind ? RedisOutcome.Queued : RedisOutcome.Unavailable;
        }

        try
        {
            return await PushAsync(entry, untilMs, now);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RedisFailed(e);
            Backlog.Add(entry.Key, entry.Version);
            return RedisOutcome.Unavailable;
        }
    }

    /// <summary>After the cache missed: Redis's answer (if it was reached), else the durable tier, and the repairs.</summary>
    private async Task<KvRead> FinishReadAsync(string key, KvEntry? fromRedis, bool redisReached, long now, bool repair)
    {
        var info = Durable.Info(key);
        if (fromRedis is not null && fromRedis.IsExpired(now))
        {
            fromRedis = null; // Redis expires by its own clock; the value's life is decided here
        }

        // Redis answers unless this node holds a newer version (written behind, or Redis lost a write).
        if (fromRedis is not null && (info is null || info.Version <= fromRedis.Version))
        {
            Counters.Hit(KvTier.Redis);
            if (info is not null && repair)
            {
                info.LastAccessMs = now;
            }

            if (repair && fromRedis.CacheTtlMs > 0)
            {
                Cache.Set(fromRedis, now);
                Counters.Repaired(KvTier.Cache);
            }

            return new KvRead(key, fromRedis, KvTier.Redis);
        }

        if (redisReached)
        {
            Counters.Miss(KvTier.Redis);
        }

        if (info is null || info.IsExpired(now) || Durable.Read(key) is not { } entry)
        {
            Counters.Miss(KvTier.Durable);
            return new KvRead(key, null, KvTier.None);
        }

        Counters.Hit(KvTier.Durable);
        if (repair)
        {
            info.LastAccessMs = now;
            if (entry.CacheTtlMs > 0)
            {
                Cache.Set(entry, now);
                Counters.Repaired(KvTier.Cache);
            }

            if (redisReached && entry.RedisTtlMs != 0)
            {
                try
                {
                    if (await PushAsync(entry, entry.RedisUntil(now), now) == RedisOutcome.Written)
                    {
                        Counters.Repaired(KvTier.Redis);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    RedisFailed(e);
                }
            }
        }

        return new KvRead(key, entry, KvTier.Durable);
    }

    private KvRead Done(KvRead read)
    {
        Counters.Read(read.Found);
        return read;
    }

    private void Touch(string key, long now)
    {
        if (Durable.Info(key) is { } info)
        {
            info.LastAccessMs = now;
        }
    }

    private static KvWrite Full(string field, string message) => new(null, RedisOutcome.Skipped, new FieldError(ErrorCodes.KvFull, field, message), 507);

    private async Task<Releaser> LockAsync(string key)
    {
        var gate = _locks[(uint)StringComparer.Ordinal.GetHashCode(key) % Stripes];
        await gate.WaitAsync();
        return new Releaser(gate);
    }

    private readonly struct Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
