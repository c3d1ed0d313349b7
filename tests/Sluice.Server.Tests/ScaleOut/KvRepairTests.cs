using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Redis losing keys (an eviction, a restart without persistence): reads repair them, reconciliation pushes them back.</summary>
public sealed class KvRepairTests
{
    [RedisFact]
    public async Task A_read_finds_a_key_redis_lost_in_the_durable_tier_and_writes_it_back_to_redis()
    {
        await using var server = await TestServer.StartAsync(KvTierTests.WithRedis);
        var kv = new KvClient(server);
        await kv.PutOkAsync("profile", "{\"theme\":\"dark\"}", "cache_ttl=0"); // not cached: reads go to Redis
        Assert.Equal("redis", (await kv.GetAsync("profile")).Tier);

        await kv.DropFromRedisAsync("profile");
        Assert.False(await kv.InRedisAsync("profile"));

        var read = await kv.GetAsync("profile");
        Assert.Equal((200, "{\"theme\":\"dark\"}", "durable"), (read.Status, read.Value, read.Tier));
        Assert.True(await kv.InRedisAsync("profile"));
        Assert.Equal(-1, await kv.RedisTtlMsAsync("profile")); // no time to live: the value does not expire
        Assert.Equal("redis", (await kv.GetAsync("profile")).Tier);
        var stats = await kv.StatsAsync();
        Assert.Equal(1, stats.GetProperty("read_repairs").GetProperty("redis").GetInt64());
        Assert.Equal(1, stats.GetProperty("tiers").GetProperty("redis").GetProperty("misses").GetInt64());
    }

    [RedisFact]
    public async Task Reconciliation_pushes_what_redis_lacks_and_leaves_what_it_should_no_longer_hold()
    {
        await using var server = await TestServer.StartAsync(KvTierTests.WithRedis);
        var kv = new KvClient(server);
        await kv.PutOkAsync("a", "1");
        await kv.PutOkAsync("b", "2");
        await kv.PutOkAsync("local-only", "3", "redis_ttl=0");
        await kv.PutOkAsync("short-in-redis", "4", "redis_ttl=300ms&cache_ttl=100ms");
        Assert.False(await kv.InRedisAsync("local-only"));
        await kv.DropFromRedisAsync("a");
        await kv.DropFromRedisAsync("b");
        await Task.Delay(400); // short-in-redis's time in Redis is over

        var (status, body) = await kv.PostAsync("/api/kv/sync", "");
        Assert.Equal(200, status);
        var sync = body.GetProperty("sync");
        Assert.Equal(2, sync.GetProperty("pushed").GetInt32());
        Assert.Equal(4, sync.GetProperty("checked").GetInt32());
        Assert.Equal(2, sync.GetProperty("redis_keys").GetInt64());
        Assert.True(await kv.InRedisAsync("a"));
        Assert.True(await kv.InRedisAsync("b"));
        Assert.False(await kv.InRedisAsync("local-only"));
        Assert.False(await kv.InRedisAsync("short-in-redis"));
        Assert.Equal("api", (await kv.StatsAsync()).GetProperty("last_sync").GetProperty("trigger").GetString());
    }
}
