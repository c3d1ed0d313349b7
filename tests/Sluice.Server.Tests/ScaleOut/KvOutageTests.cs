using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Redis going away and coming back empty: the store keeps answering on two tiers, and the backlog reaches Redis after.</summary>
public sealed class KvOutageTests
{
    [RedisFact]
    public async Task Writes_made_while_redis_was_away_reach_it_after_it_returns()
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var server = await TestServer.StartAsync(o => o with
        {
            Redis = o.Redis with { Url = redis.Url, KeyPrefix = RedisFactAttribute.NewPrefix(), TimeoutMs = 200 },
            Breakers = o.Breakers with { OpenSeconds = 1, Retries = 0 },
            Kv = o.Kv with { ProbeIntervalMs = 100, SyncIntervalSeconds = 3_600 },
        });
        var kv = new KvClient(server);
        await kv.PutOkAsync("before", "0");
        await kv.PutOkAsync("doomed", "x");

        await redis.KillAsync();
        await WaitForRedisAsync(kv, "down");
        var through = await kv.PutOkAsync("during-through", "1");
        Assert.Equal("unavailable", through.GetProperty("redis").GetString());
        Assert.DoesNotContain("redis", through.GetProperty("tiers").EnumerateArray().Select(t => t.GetString()));
        var behind = await kv.PutOkAsync("during-behind", "2", "mode=behind");
        Assert.Equal("queued", behind.GetProperty("redis").GetString());
        var (deleted, _) = await kv.DeleteAsync("doomed");
        Assert.Equal(200, deleted);

        // Served from the local tiers meanwhile; health says the store is degraded, not down.
        Assert.Equal((200, "1"), Short(await kv.GetAsync("during-through")));
        Assert.Equal(404, (await kv.GetAsync("doomed")).Status);
        var health = await kv.HealthAsync();
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal(3, health.GetProperty("backlog").GetInt32());
        var (status, problem) = await kv.PostAsync("/api/kv/sync", "");
        Assert.Equal((503, "redis_unavailable"), (status, problem.GetProperty("code").GetString()));

        await redis.StartAgainAsync(); // empty, as after a crash without persistence
        var stats = await kv.WaitForStatsAsync(s => s.GetProperty("backlog").GetInt32() == 0 && s.GetProperty("last_sync").GetProperty("trigger").GetString() == "recovery",
            "the synchronisation after Redis returned");
        Assert.False(stats.GetProperty("last_sync").TryGetProperty("error", out _), stats.ToString());
        foreach (var key in new[] { "before", "during-through", "during-behind" })
        {
            Assert.Equal(0, await kv.RedisFlagsAsync(key));
        }

        Assert.Equal(2, await kv.RedisFlagsAsync("doomed")); // the deletion reached Redis as a tombstone
        Assert.Equal("ok", (await kv.HealthAsync()).GetProperty("redis").GetProperty("status").GetString());
    }

    [RedisFact]
    public async Task Write_behind_answers_before_redis_has_the_value_and_the_flusher_writes_it()
    {
        await using var server = await TestServer.StartAsync(o => KvTierTests.WithRedis(o) with { Kv = o.Kv with { WriteMode = Sluice.Core.Options.KvWriteMode.Behind } });
        var kv = new KvClient(server);
        var written = await kv.PutOkAsync("queued", "\"v\"", "cache_ttl=0");
        Assert.Equal("queued", written.GetProperty("redis").GetString());
        // This node reads its own write at once, whatever Redis holds yet.
        Assert.Equal((200, "\"v\""), Short(await kv.GetAsync("queued")));
        await kv.WaitForStatsAsync(s => s.GetProperty("backlog").GetInt32() == 0, "the write-behind flush");
        Assert.True(await kv.InRedisAsync("queued"));
        Assert.Equal("behind", (await kv.HealthAsync()).GetProperty("mode").GetString());
    }

    private static async Task WaitForRedisAsync(KvClient kv, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await kv.HealthAsync()).GetProperty("redis").GetProperty("status").GetString() != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the KV store did not see Redis {status}");
            await Task.Delay(50);
        }
    }

    private static (int, string) Short((int Status, string Value, string? Tier, string? ContentType) read) => (read.Status, read.Value);
}
