using System.Diagnostics;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>The KV store's tiers: which one answers as each time to live runs out, compression, restarts, two tiers without Redis.</summary>
public sealed class KvTierTests
{
    [RedisFact]
    public async Task Each_tier_keeps_the_value_for_its_own_ttl_and_reads_fall_through_to_the_next()
    {
        await using var server = await TestServer.StartAsync(WithRedis);
        var kv = new KvClient(server);
        var written = await kv.PutOkAsync("ttl-tiers", "{\"n\":1}", "cache_ttl=1s&redis_ttl=3s&ttl=6s");
        var clock = Stopwatch.StartNew();
        Assert.Equal("written", written.GetProperty("redis").GetString());
        Assert.Equal(["cache", "redis", "durable"], written.GetProperty("tiers").EnumerateArray().Select(t => t.GetString()));

        Assert.Equal((200, "{\"n\":1}", "cache"), Short(await kv.GetAsync("ttl-tiers")));
        Assert.InRange(await kv.RedisTtlMsAsync("ttl-tiers"), 1, 3_000);

        await Until(clock, 1.5); // the cache's second is over; Redis still has it
        Assert.Equal((200, "{\"n\":1}", "redis"), Short(await kv.GetAsync("ttl-tiers")));

        await Until(clock, 3.6); // Redis's three seconds are over too (and the cache's copy from the last read)
        Assert.False(await kv.InRedisAsync("ttl-tiers"));
        Assert.Equal((200, "{\"n\":1}", "durable"), Short(await kv.GetAsync("ttl-tiers")));
        // Read-repair put it back into Redis, for no longer than the value lives.
        Assert.True(await kv.InRedisAsync("ttl-tiers"));
        Assert.InRange(await kv.RedisTtlMsAsync("ttl-tiers"), 1, 6_000 - 3_600);

        await Until(clock, 6.5); // the value's own life is over: no tier answers
        Assert.Equal(404, (await kv.GetAsync("ttl-tiers")).Status);
        Assert.False(await kv.InRedisAsync("ttl-tiers"));
        var stats = await kv.StatsAsync();
        var tiers = stats.GetProperty("tiers");
        Assert.True(tiers.GetProperty("cache").GetProperty("hits").GetInt64() >= 1);
        Assert.True(tiers.GetProperty("redis").GetProperty("hits").GetInt64() >= 1);
        Assert.True(tiers.GetProperty("durable").GetProperty("hits").GetInt64() >= 1);
        Assert.True(stats.GetProperty("read_repairs").GetProperty("redis").GetInt64() >= 1);
    }

    [RedisFact]
    public async Task A_value_over_1_KB_is_compressed_in_every_tier_and_read_back_whole()
    {
        await using var server = await TestServer.StartAsync(WithRedis);
        var kv = new KvClient(server);
        var value = "[" + string.Join(",", Enumerable.Range(0, 1_000).Select(i => $"{{\"id\":{i},\"name\":\"item {i % 7}\"}}")) + "]";
        var written = await kv.PutOkAsync("big", value);
        Assert.True(written.GetProperty("compressed").GetBoolean());
        Assert.Equal(value.Length, written.GetProperty("bytes").GetInt32());
        var stored = written.GetProperty("stored_bytes").GetInt32();
        Assert.True(stored < value.Length / 4, $"stored {stored} of {value.Length}");

        var storedInRedis = (long)await kv.Redis.RunAsync(db => db.ExecuteAsync("HSTRLEN", kv.RedisKey("big"), "d"));
        Assert.Equal(stored, storedInRedis);
        var file = Assert.Single(Directory.EnumerateFiles(Path.Combine(server.DataDir, "meta", "kv"), "*.kv", SearchOption.AllDirectories));
        Assert.True(new FileInfo(file).Length < value.Length / 4);

        Assert.Equal((200, value, "cache"), Short(await kv.GetAsync("big")));
        Assert.Equal(1, (await kv.StatsAsync()).GetProperty("compressed_writes").GetInt64());
        await server.RestartAsync(WithRedisPrefix(server)); // an empty cache: Redis answers, and decompresses the same
        kv = new KvClient(server);
        Assert.Equal((200, value, "redis"), Short(await kv.GetAsync("big")));
        var small = await kv.PutOkAsync("small", "{\"a\":1}");
        Assert.False(small.GetProperty("compressed").GetBoolean());
    }

    [Fact]
    public async Task Without_redis_the_store_runs_on_the_cache_and_the_durable_tier_and_says_so()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        var written = await kv.PutOkAsync("two/tiers", "hello", "cache_ttl=0");
        Assert.Equal("not_configured", written.GetProperty("redis").GetString());
        Assert.Equal(["durable"], written.GetProperty("tiers").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal((200, "hello", "durable"), Short(await kv.GetAsync("two/tiers")));

        var health = await kv.HealthAsync();
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("tiers").GetInt32());
        Assert.Equal("not_configured", health.GetProperty("redis").GetProperty("status").GetString());
        var (status, body) = await kv.PostAsync("/api/kv/sync", "");
        Assert.Equal(200, status);
        Assert.Equal("not_configured", body.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task Values_survive_a_restart_in_the_durable_tier_with_their_content_type()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        var (status, _) = await kv.PutAsync("notes/today", "buy milk", contentType: "text/plain; charset=utf-8");
        Assert.Equal(200, status);
        Assert.Equal("cache", (await kv.GetAsync("notes/today")).Tier);

        await server.RestartAsync();
        kv = new KvClient(server);
        var read = await kv.GetAsync("notes/today");
        Assert.Equal((200, "buy milk", "durable"), (read.Status, read.Value, read.Tier));
        Assert.Equal("text/plain; charset=utf-8", read.ContentType);
        Assert.Equal("cache", (await kv.GetAsync("notes/today")).Tier); // the read put it back in the cache
        Assert.Equal(1, (await kv.StatsAsync()).GetProperty("tiers").GetProperty("durable").GetProperty("keys").GetInt32());
    }

    [Fact]
    public async Task Metrics_show_hits_per_tier_and_the_cache_hit_ratio()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        await kv.PutOkAsync("m", "1");
        await kv.GetAsync("m");
        await kv.GetAsync("m");
        await kv.GetAsync("absent");
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_kv_hits_total{tier=\"cache\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_kv_misses_total{tier=\"cache\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_kv_misses_total{tier=\"durable\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_kv_cache_hit_ratio 0.6666666666666666", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_kv_keys{tier=\"durable\"} 1", metrics, StringComparison.Ordinal);
        Assert.Equal(2.0 / 3, (await kv.StatsAsync()).GetProperty("cache_hit_ratio").GetDouble(), 6);
    }

    internal static Sluice.Core.Options.SluiceOptions WithRedis(Sluice.Core.Options.SluiceOptions o) =>
        o with { Redis = o.Redis with { Url = RedisFactAttribute.Url!, KeyPrefix = RedisFactAttribute.NewPrefix() } };

    private static Func<Sluice.Core.Options.SluiceOptions, Sluice.Core.Options.SluiceOptions> WithRedisPrefix(TestServer server)
    {
        var prefix = server.App.Services.GetService(typeof(Sluice.Core.Options.SluiceOptions)) is Sluice.Core.Options.SluiceOptions o ? o.Redis.KeyPrefix : "";
        return o => o with { Redis = o.Redis with { Url = RedisFactAttribute.Url!, KeyPrefix = prefix } };
    }

    private static (int, string, string?) Short((int Status, string Value, string? Tier, string? ContentType) read) => (read.Status, read.Value, read.Tier);

    /// <summary>Waits until <paramref name="seconds"/> have passed on <paramref name="clock"/> (times to live run on the wall clock).</summary>
    private static async Task Until(Stopwatch clock, double seconds)
    {
        var left = TimeSpan.FromSeconds(seconds) - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }
    }
}
