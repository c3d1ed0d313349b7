using System.Text;
using System.Text.Json;
using Sluice.Redis.Kv;
using Sluice.Server.Health;
using Sluice.Server.Metrics;

namespace Sluice.Server.Kv;

/// <summary>The KV store in <c>/api/kv/health</c>, <c>/api/kv/stats</c>, the server's health and <c>/metrics</c>.</summary>
internal sealed class KvMonitor(KvStore store, KvSync sync) : IHealthSource, IMetricsSource
{
    /// <summary><c>not_configured</c>, <c>ok</c> (answers, breaker closed), <c>probing</c> (breaker half-open) or <c>down</c>.</summary>
    public string RedisStatus => store.Redis switch
    {
        null => "not_configured",
        _ when !sync.RedisUp => "down",
        { } redis when redis.Connection.Breaker.State != Sluice.Core.Resilience.BreakerState.Closed => "probing",
        _ => "ok",
    };

    /// <summary>Degraded while Redis is configured and away: the store serves from its cache and durable tier.</summary>
    public HealthStatus Status => store.Redis is null || RedisStatus == "ok" ? HealthStatus.Ok : HealthStatus.Degraded;

    public IEnumerable<ComponentHealth> Check()
    {
        yield return new ComponentHealth("kv", Status, new Dictionary<string, object?>
        {
            ["tiers"] = store.Redis is null ? 2 : 3,
            ["redis"] = RedisStatus,
            ["backlog"] = store.Backlog.Count,
            ["keys"] = store.Durable.LiveKeys,
        });
    }

    public void WriteHealth(Utf8JsonWriter json)
    {
        var last = sync.Last;
        json.WriteStartObject();
        json.WriteString("status", Status == HealthStatus.Ok ? "ok" : "degraded");
        json.WriteNumber("tiers", store.Redis is null ? 2 : 3);
        json.WriteString("mode", Mode);
        json.WriteString("note", store.Redis is null
            ? "Redis is not configured: the store runs on the cache and the durable tier, and nodes do not share values"
            : RedisStatus == "ok" ? "all three tiers answer" : "Redis is away: reads fall back to the durable tier and writes wait in the backlog");
        json.WriteStartObject("cache");
        json.WriteString("status", "ok");
        json.WriteNumber("keys", store.Cache.Count);
        json.WriteEndObject();
        json.WriteStartObject("redis");
        json.WriteString("status", RedisStatus);
        if (store.Redis is { } redis)
        {
            json.WriteBoolean("connected", redis.Connection.IsConnected);
            json.WriteString("breaker", BreakerHealth.Name(redis.Connection.Breaker.State));
            json.WriteNumber("state_seconds", sync.RedisStateAgeMs / 1000d);
            if (store.LastRedisError is { } error)
            {
                json.WriteString("last_error", error);
            }
        }

        json.WriteEndObject();
        json.WriteStartObject("durable");
        json.WriteString("status", "ok");
        json.WriteNumber("keys", store.Durable.LiveKeys);
        json.WriteNumber("damaged_files", store.Durable.Damaged);
        json.WriteEndObject();
        json.WriteNumber("backlog", store.Backlog.Count);
        if (last is not null)
        {
            json.WritePropertyName("last_sync");
            KvJson.WriteSync(json, last);
        }

        json.WriteEndObject();
    }

    public void WriteStats(Utf8JsonWriter json)
    {
        var c = store.Counters;
        var last = sync.Last;
        json.WriteStartObject();
        json.WriteString("mode", Mode);
        json.WriteNumber("reads", c.Reads);
        json.WriteNumber("found", c.Found);
        json.WriteNumber("hit_ratio", c.HitRatio);
        json.WriteNumber("cache_hit_ratio", c.CacheHitRatio);
        json.WriteNumber("writes", c.Writes);
        json.WriteNumber("deletes", c.Deletes);
        json.WriteNumber("compressed_writes", c.Compressed);
        json.WriteStartObject("read_repairs");
        json.WriteNumber("cache", c.CacheRepairs);
        json.WriteNumber("redis", c.RedisRepairs);
        json.WriteEndObject();
        json.WriteNumber("backlog", store.Backlog.Count);
        json.WriteNumber("syncs", sync.Syncs);
        json.WriteStartObject("tiers");

        json.WriteStartObject("cache");
        json.WriteNumber("keys", store.Cache.Count);
        json.WriteNumber("bytes", store.Cache.Bytes);
        json.WriteNumber("max_bytes", store.Cache.MaxBytes);
        Lookups(json, KvTier.Cache);
        json.WriteEndObject();

        json.WriteStartObject("redis");
        json.WriteString("status", RedisStatus);
        if (last?.RedisKeys is { } redisKeys)
        {
            // Counted by the last synchronisation (every node's keys under the prefix).
            json.WriteNumber("keys", redisKeys);
            json.WriteNumber("bytes", last.RedisBytes ?? 0);
            json.WriteNumber("counted_at_ms", last.AtMs);
            json.WriteBoolean("count_complete", last.RedisCountComplete);
        }

        Lookups(json, KvTier.Redis);
        json.WriteNumber("errors", c.RedisErrors);
        json.WriteNumber("pushes", c.RedisPushes);
        json.WriteEndObject();

        json.WriteStartObject("durable");
        json.WriteNumber("keys", store.Durable.LiveKeys);
        json.WriteNumber("tombstones", store.Durable.Tombstones);
        json.WriteNumber("bytes", store.Durable.Bytes);
        json.WriteNumber("max_keys", store.Options.MaxKeys);
        json.WriteNumber("max_bytes", store.Options.MaxDiskMb * 1024L * 1024);
        json.WriteNumber("damaged_files", store.Durable.Damaged);
        Lookups(json, KvTier.Durable);
        json.WriteEndObject();

        json.WriteEndObject();
        if (last is not null)
        {
            json.WritePropertyName("last_sync");
            KvJson.WriteSync(json, last);
        }

        json.WriteEndObject();
    }

    public void Render(StringBuilder text)
    {
        var c = store.Counters;
        var tiers = new[] { KvTier.Cache, KvTier.Redis, KvTier.Durable };
        var hits = new MetricFamily(text, "sluice_kv_hits_total", "counter", "KV lookups a tier answered with its copy.");
        foreach (var tier in tiers)
        {
            hits.Add(c.Hits(tier), ("tier", KvJson.Name(tier)));
        }

        var misses = new MetricFamily(text, "sluice_kv_misses_total", "counter", "KV lookups a tier could not answer (Redis: only when it was reached).");
        foreach (var tier in tiers)
        {
            misses.Add(c.Misses(tier), ("tier", KvJson.Name(tier)));
        }

        new MetricFamily(text, "sluice_kv_cache_hit_ratio", "gauge", "KV cache hits over cache lookups since start.").Add(c.CacheHitRatio);
        new MetricFamily(text, "sluice_kv_hit_ratio", "gauge", "KV reads answered with a value (any tier) over reads since start.").Add(c.HitRatio);
        new MetricFamily(text, "sluice_kv_keys", "gauge", "Keys held by a KV tier (Redis: as counted by the last synchronisation).")
            .Add(store.Cache.Count, ("tier", "cache"))
            .Add(sync.Last?.RedisKeys ?? 0, ("tier", "redis"))
            .Add(store.Durable.LiveKeys, ("tier", "durable"));
        new MetricFamily(text, "sluice_kv_bytes", "gauge", "Stored (compressed) bytes held by a KV tier (Redis: as counted by the last synchronisation).")
            .Add(store.Cache.Bytes, ("tier", "cache"))
            .Add(sync.Last?.RedisBytes ?? 0, ("tier", "redis"))
            .Add(store.Durable.Bytes, ("tier", "durable"));
        new MetricFamily(text, "sluice_kv_read_repairs_total", "counter", "Values a KV read found in a slower tier and wrote back to a faster one.")
            .Add(c.CacheRepairs, ("tier", "cache"))
            .Add(c.RedisRepairs, ("tier", "redis"));
        new MetricFamily(text, "sluice_kv_writes_total", "counter", "KV writes and deletions.")
            .Add(c.Writes, ("kind", "put"))
            .Add(c.Deletes, ("kind", "delete"));
        new MetricFamily(text, "sluice_kv_backlog", "gauge", "KV keys whose newest version Redis may lack (write-behind, or written while Redis was away).").Add(store.Backlog.Count);
        new MetricFamily(text, "sluice_kv_redis_errors_total", "counter", "KV operations that fell back from Redis.").Add(c.RedisErrors);
        new MetricFamily(text, "sluice_kv_redis_up", "gauge", "1 while Redis answers the KV store's pings, 0 while it is away or not configured.").Add(sync.RedisUp ? 1 : 0);
        new MetricFamily(text, "sluice_kv_syncs_total", "counter", "KV synchronisations with Redis (periodic, after an outage, and asked for).").Add(sync.Syncs);
        new MetricFamily(text, "sluice_kv_last_sync_timestamp_seconds", "gauge", "When the last KV synchronisation started (0: none yet).").Add((sync.Last?.AtMs ?? 0) / 1000d);
    }

    private string Mode => store.Options.WriteMode == Sluice.Core.Options.KvWriteMode.Behind ? "behind" : "through";

    private void Lookups(Utf8JsonWriter json, KvTier tier)
    {
        var hits = store.Counters.Hits(tier);
        var misses = store.Counters.Misses(tier);
        json.WriteNumber("hits", hits);
        json.WriteNumber("misses", misses);
        json.WriteNumber("hit_ratio", hits + misses == 0 ? 0 : (double)hits / (hits + misses));
    }
}
