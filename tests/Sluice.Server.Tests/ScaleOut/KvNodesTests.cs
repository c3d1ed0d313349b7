using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Two nodes sharing one Redis, each with its own data directory: they see each other's writes and deletions.</summary>
public sealed class KvNodesTests
{
    [RedisFact]
    public async Task Nodes_sharing_redis_read_each_others_writes_within_the_cache_ttl_and_a_deletion_stays_deleted()
    {
        var prefix = RedisFactAttribute.NewPrefix();
        Sluice.Core.Options.SluiceOptions Shared(Sluice.Core.Options.SluiceOptions o) =>
            o with { Redis = o.Redis with { Url = RedisFactAttribute.Url!, KeyPrefix = prefix }, Kv = o.Kv with { CacheTtlSeconds = 1 } };
        await using var nodeA = await TestServer.StartAsync(Shared);
        await using var nodeB = await TestServer.StartAsync(Shared);
        var a = new KvClient(nodeA);
        var b = new KvClient(nodeB);

        await a.PutOkAsync("shared", "\"one\"");
        Assert.Equal((200, "\"one\"", "redis"), Short(await b.GetAsync("shared")));

        await a.PutOkAsync("shared", "\"two\"");
        await Task.Delay(1_100); // B may serve its cached "one" for at most the cache's second
        Assert.Equal((200, "\"two\"", "redis"), Short(await b.GetAsync("shared")));

        // B wrote this one, so B's own durable tier holds it; A deletes it.
        await b.PutOkAsync("owned-by-b", "\"b\"");
        Assert.Equal(200, (await a.DeleteAsync("owned-by-b")).Status);
        await Task.Delay(1_100);
        Assert.Equal(404, (await b.GetAsync("owned-by-b")).Status);

        // B's reconciliation takes the deletion instead of pushing its old copy back.
        var (status, body) = await b.PostAsync("/api/kv/sync", "");
        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("sync").GetProperty("pulled").GetInt32());
        Assert.Equal(0, body.GetProperty("sync").GetProperty("pushed").GetInt32());
        Assert.Equal(2, await a.RedisFlagsAsync("owned-by-b"));
        Assert.Equal(1, (await b.StatsAsync()).GetProperty("tiers").GetProperty("durable").GetProperty("tombstones").GetInt32());

        // With Redis emptied, B's reconciliation brings back only what is still alive.
        await b.DropFromRedisAsync("owned-by-b");
        await b.DropFromRedisAsync("shared");
        (status, body) = await b.PostAsync("/api/kv/sync", "");
        Assert.Equal(200, status);
        Assert.Equal(2, await a.RedisFlagsAsync("owned-by-b")); // its tombstone, pushed back
        Assert.Null(await a.RedisFlagsAsync("shared")); // B never held "shared" in its durable tier; A's pass restores it
        (status, _) = await a.PostAsync("/api/kv/sync", "");
        Assert.Equal(200, status);
        Assert.Equal((200, "\"two\""), (await b.GetAsync("shared") is var r ? (r.Status, r.Value) : default));
    }

    [RedisFact]
    public async Task The_dashboard_config_saved_on_one_node_is_read_on_another()
    {
        var prefix = RedisFactAttribute.NewPrefix();
        Sluice.Core.Options.SluiceOptions Shared(Sluice.Core.Options.SluiceOptions o) => o with { Redis = o.Redis with { Url = RedisFactAttribute.Url!, KeyPrefix = prefix } };
        await using var nodeA = await TestServer.StartAsync(Shared);
        await using var nodeB = await TestServer.StartAsync(Shared);
        var config = """{"saved_searches":[{"name":"slow","query":"duration_ms:>500"}],"pinned_charts":[],"saved_formulas":[],"refresh_seconds":30}""";
        var (status, _, response) = await nodeA.PostAsync("/api/v1/dashboard/config", config);
        response.Dispose();
        Assert.Equal(200, status);
        var read = System.Text.Json.JsonDocument.Parse(await nodeB.Http.GetStringAsync("/api/v1/dashboard/config")).RootElement;
        Assert.Equal("duration_ms:>500", read.GetProperty("saved_searches")[0].GetProperty("query").GetString());
        Assert.Equal(30, read.GetProperty("refresh_seconds").GetInt32());
    }

    private static (int, string, string?) Short((int Status, string Value, string? Tier, string? ContentType) read) => (read.Status, read.Value, read.Tier);
}
