using System.Diagnostics;
using System.Text.Json;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Seed 002's chaos row "Redis down" (30 s at full length): a private Redis killed, then started again (empty, as
/// after a crash without persistence), on a node with the Redis sink and shared state, shipping to ClickHouse too.
/// </summary>
[Collection(ChaosMatrix.Name)]
public sealed class RedisDownTests(ITestOutputHelper output)
{
    [ChaosFact(Redis = true)]
    public async Task Redis_down_ingest_acks_the_breaker_opens_and_what_was_acknowledged_meanwhile_reaches_redis_once()
    {
        var chaos = new ChaosScenario(output, "redis-down");
        await using var redis = await PrivateRedis.StartAsync();
        var database = ClickHouseFactAttribute.NewDatabase();
        var keyPrefix = RedisFactAttribute.NewPrefix();
        await using var node = await TestServer.StartAsync(o => ChaosNodes.Shipping(o, ClickHouseFactAttribute.Url!, database, ChaosNodes.UnfaultedClickHouseTimeoutMs) with
        {
            Redis = o.Redis with { Url = redis.Url, KeyPrefix = keyPrefix, TimeoutMs = 300 },
        });
        var prefix = ChaosNodes.NewPrefix("rd");
        var trace = "t-" + prefix.TrimEnd('-');
        var store = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        await using var before = new AckedFeed(node.Http, prefix + "b", trace);
        await before.PostAsync(50);
        using (var first = await ConnectionMultiplexer.ConnectAsync(Config(redis.Url)))
        {
            await Until(async () => await first.GetDatabase().ListLengthAsync(keyPrefix + "logs:" + trace) == 50, "the first events in Redis");
        }

        await redis.KillAsync();
        var down = Stopwatch.StartNew();
        await using var feed = new AckedFeed(node.Http, prefix, trace);
        feed.Start();
        await chaos.WaitDetectedAsync(node.Http, "redis", down);
        // The sink can only be behind once the feed has something acknowledged (a loaded machine may detect first).
        await Until(() => Task.FromResult(feed.AckedCount > 0), "a batch acknowledged while Redis is down");
        await chaos.AssertShownDuringAsync(node.Http, "redis", "redis");
        var quotas = await ChaosClient.ComponentAsync(node.Http, "quotas");
        chaos.Log($"during: quotas {quotas.GetProperty("status").GetString()} ({quotas.GetProperty("details").GetProperty("state").GetString()})");
        await Task.Delay(ChaosDurations.RedisDown - down.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        await feed.StopAsync();
        chaos.AssertIngestKeptAnswering(feed, 0);

        var backlog = await ChaosScenario.SinkLagAsync(node.Http, "redis");
        await redis.StartAgainAsync();
        var back = Stopwatch.StartNew();
        using var after = await ConnectionMultiplexer.ConnectAsync(Config(redis.Url));
        var list = keyPrefix + "logs:" + trace;
        await Until(async () => await after.GetDatabase().ListLengthAsync(list) >= feed.AckedCount, "the backlog in Redis", seconds: 30);
        var took = back.Elapsed;
        chaos.Log($"redis caught up in {took.TotalSeconds:0.00} s after it was back: backlog {backlog} events, {backlog / took.TotalSeconds:0} events/s");
        Assert.True(took <= ChaosScenario.CatchUpWithin, $"the backlog took {took.TotalSeconds:0.0} s to reach Redis");

        await chaos.AssertShownRecoveredAsync(node.Http, "redis", "redis", () => Task.CompletedTask);
        // Redis came back empty: it holds exactly what was acknowledged while it was away, once each.
        var ids = (await after.GetDatabase().ListRangeAsync(list)).Select(v => JsonDocument.Parse((string)v!).RootElement.GetProperty("id").GetString()!).ToList();
        Assert.Equal(feed.Acked.Order(), ids.Order());
        chaos.Log($"Redis holds exactly the {ids.Count} ids acknowledged while it was away, none twice");
        await chaos.AssertExactlyAckedAsync(store, database, [.. before.Acked, .. feed.Acked], prefix);
    }

    private static ConfigurationOptions Config(string url)
    {
        var uri = new Uri(url);
        return new ConfigurationOptions { EndPoints = { { uri.Host, uri.Port } }, AbortOnConnectFail = false };
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds), "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }
}
