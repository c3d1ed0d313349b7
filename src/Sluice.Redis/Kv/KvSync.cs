using Microsoft.Extensions.Logging;

namespace Sluice.Redis.Kv;

/// <summary>What one synchronisation did (<c>POST /api/kv/sync</c>, the periodic pass, the pass after Redis returns).</summary>
internal sealed record KvSyncReport(string Trigger, long AtMs)
{
    public long DurationMs { get; init; }

    /// <summary>Backlog keys written to Redis.</summary>
    public int Flushed { get; init; }

    /// <summary>Durable keys compared with Redis.</summary>
    public int Checked { get; init; }

    /// <summary>Durable versions Redis lacked or held older, written to it.</summary>
    public int Pushed { get; init; }

    /// <summary>Newer versions found in Redis, taken into the durable tier.</summary>
    public int Pulled { get; init; }

    /// <summary>Files of expired values and tombstones removed.</summary>
    public int Expired { get; init; }

    public long? RedisKeys { get; init; }

    public long? RedisBytes { get; init; }

    /// <summary>False when Redis held more KV keys than counting goes through (10 × <c>Kv:MaxKeys</c>).</summary>
    public bool RedisCountComplete { get; init; }

    /// <summary>Why the pass stopped short (Redis not configured or away); null when it finished.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Keeps Redis in step with the durable tier: pings Redis every <c>Kv:ProbeIntervalMs</c> (so an outage is seen
/// without traffic), flushes the write-behind backlog whenever Redis answers, and every <c>Kv:SyncIntervalSeconds</c>
/// — and at once when Redis comes back — reconciles: each durable key Redis lacks (and should hold) or holds older
/// is pushed, each it holds newer is pulled, expired files are removed, and Redis's keys are counted for stats.
/// </summary>
internal sealed class KvSync(KvStore store, ILogger logger)
{
    private const int Chunk = 256;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private KvSyncReport? _last;
    private long _lastProbeMs = long.MinValue;
    private bool _seenUp;
    private long _stateSinceMs = Environment.TickCount64;
    private long _syncs;

    public KvSyncReport? Last => Volatile.Read(ref _last);

    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>
    /// Redis is connected and its breaker not open (the breaker, fed by every call and the pings, decides). False
    /// without Redis.
    /// </summary>
    public bool RedisUp => store.Redis is { Available: true };

    /// <summary>Milliseconds since Redis last went up or down (as the probe saw it).</summary>
    public long RedisStateAgeMs => Environment.TickCount64 - Volatile.Read(ref _stateSinceMs);

    public async Task RunAsync(CancellationToken stop)
    {
        var interval = TimeSpan.FromMilliseconds(store.Options.ProbeIntervalMs);
        var nextSync = 0L; // a pass at start finds what a crash left out of Redis
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var recovered = await ProbeIfDueAsync();
                if (recovered || Environment.TickCount64 >= nextSync)
                {
                    await SyncAsync(recovered ? "recovery" : "schedule");
                    nextSync = Environment.TickCount64 + (store.Options.SyncIntervalSeconds * 1000L);
                }
                else if (store.Backlog.Count > 0 && RedisUp)
                {
                    await _gate.WaitAsync(stop);
                    try
                    {
                        await FlushAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                await store.Backlog.WaitAsync(interval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "KV synchronisation failed; it runs again at the next interval");
                await Task.Delay(interval, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// Pings Redis now (through the breaker, so an outage without traffic still opens it, and probes close it
    /// again); true when Redis is up after being seen away (the caller then synchronises).
    /// </summary>
    public async Task<bool> ProbeAsync()
    {
        if (store.Redis is not { } redis)
        {
            return false;
        }

        var first = _lastProbeMs == long.MinValue;
        _lastProbeMs = Environment.TickCount64;
        try
        {
            await redis.PingAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            store.RedisFailed(e);
        }

        var up = RedisUp;
        var was = _seenUp;
        if (up == was)
        {
            return false;
        }

        _seenUp = up;
        Volatile.Write(ref _stateSinceMs, Environment.TickCount64);
        if (first)
        {
            return false;
        }

        if (up)
        {
            logger.LogInformation("KV: Redis answers again; synchronising ({Backlog} keys waiting)", store.Backlog.Count);
        }
        else
        {
            logger.LogWarning("KV: Redis does not answer; running on the cache and the durable tier ({Error})", store.LastRedisError);
        }

        return up;
    }

    /// <summary>Flushes the backlog, reconciles with Redis and removes expired files; one pass at a time.</summary>
    public async Task<KvSyncReport> SyncAsync(string trigger)
    {
        await _gate.WaitAsync();
        try
        {
            var started = Environment.TickCount64;
            var report = new KvSyncReport(trigger, store.Clock.UnixMilliseconds);
            try
            {
                report = await ReconcileAsync(report);
            }
            finally
            {
                var expired = await KvCleanup.RunAsync(store, new KvCleanupRequest(KvCleanupPolicy.Ttl, DryRun: false), store.Options.WriteMode);
                report = report with { Expired = expired.Items.Count, DurationMs = Environment.TickCount64 - started };
                Volatile.Write(ref _last, report);
                Interlocked.Increment(ref _syncs);
            }

            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> ProbeIfDueAsync() =>
        store.Redis is not null && Environment.TickCount64 - _lastProbeMs >= store.Options.ProbeIntervalMs && await ProbeAsync();

    private async Task<KvSyncReport> ReconcileAsync(KvSyncReport report)
    {
        if (store.Redis is not { } redis)
        {
            return report with { Error = "Redis is not configured" };
        }

        if (!redis.Available)
        {
            return report with { Error = "Redis is not reachable" };
        }

        try
        {
            var flushed = await FlushAsync();
            int inspected = 0, pushed = 0, pulled = 0;
            var all = store.Durable.Snapshot();
            for (var start = 0; start < all.Count; start += Chunk)
            {
                var chunk = all.Skip(start).Take(Chunk).ToList();
                var versions = await redis.VersionsAsync([.. chunk.Select(i => i.Key)]);
                var now = store.Clock.UnixMilliseconds;
                for (var i = 0; i < chunk.Count; i++)
                {
                    var info = chunk[i];
                    inspected++;
                    if (info.IsExpired(now))
                    {
                        continue;
                    }

                    if (versions[i] is { } held && held > info.Version)
                    {
                        pulled += await redis.GetAsync(info.Key) is { } newer && newer.Version > info.Version && await store.PullAsync(newer) ? 1 : 0;
                    }
                    else if (versions[i] is null ? info.BelongsInRedis(now) : versions[i] < info.Version)
                    {
                        if (store.Durable.Read(info.Key) is { } entry && entry.Version == info.Version)
                        {
                            pushed += await store.PushAsync(entry, info.RedisUntilMs, now) == RedisOutcome.Written ? 1 : 0;
                            store.Backlog.Done(entry.Key, entry.Version);
                        }
                    }
                }
            }

            var (keys, bytes, complete) = await redis.CountAsync(store.Options.MaxKeys * 10L);
            return report with
            {
                Flushed = flushed, Checked = inspected, Pushed = pushed, Pulled = pulled,
                RedisKeys = keys, RedisBytes = bytes, RedisCountComplete = complete,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException and not IOException)
        {
            store.RedisFailed(e);
            return report with { Error = "Redis failed during the pass: " + e.GetType().Name };
        }
    }

    /// <summary>Writes the backlog's keys to Redis, a chunk at a time (pipelined); stops at the first Redis failure.</summary>
    private async Task<int> FlushAsync()
    {
        var flushed = 0;
        while (store.Backlog.Count > 0 && store.Redis is { Available: true })
        {
            var keys = store.Backlog.Take(Chunk);
            var now = store.Clock.UnixMilliseconds;
            var results = await Task.WhenAll(keys.Select(async key =>
            {
                if (store.Durable.Info(key) is not { } info || store.Durable.Read(key) is not { } entry)
                {
                    store.Backlog.Done(key, long.MaxValue); // removed since (expired, cleaned up): nothing to push
                    return true;
                }

                try
                {
                    await store.PushAsync(entry, info.RedisUntilMs, now);
                    store.Backlog.Done(key, entry.Version);
                    return true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    store.RedisFailed(e);
                    return false;
                }
            }));
            flushed += results.Count(ok => ok);
            if (results.Any(ok => !ok))
            {
                break; // Redis went away: the rest waits for the next pass
            }
        }

        return flushed;
    }
}
