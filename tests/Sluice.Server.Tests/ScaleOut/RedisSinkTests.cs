using System.Text.Json;
using Sluice.Server.Tests.Support;
using StackExchange.Redis;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// The Redis sink: acknowledged events reach the seeds' keys through a durable cursor over the WAL, so a trace
/// written through one node is read through another, and events acknowledged while Redis was away reach it once it is back.
/// </summary>
public sealed class RedisSinkTests
{
    private const long Hour = 1_767_243_600_000; // 2026-01-01T05:00Z

    [RedisFact]
    public async Task A_trace_written_through_node_a_is_read_through_node_b()
    {
        var prefix = RedisFactAttribute.NewPrefix();
        await using var a = await TestServer.StartAsync(o => Shared(o, RedisFactAttribute.Url!, prefix));
        await using var b = await TestServer.StartAsync(o => Shared(o, RedisFactAttribute.Url!, prefix));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(a, [.. Enumerable.Range(0, 3).Select(i => $$"""{"id":"a{{i}}","timestamp":{{now + i}},"message":"step {{i}} on a","trace_id":"t-shared","service":"checkout"}""")]);
        await Api.PostAsync(b, [$$"""{"id":"b0","timestamp":{{now + 10}},"message":"step on b","trace_id":"t-shared","service":"payments"}"""]);

        var trace = await WaitForTraceAsync(b, "t-shared", 4);
        Assert.Equal(["a0", "a1", "a2", "b0"], trace.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
        Assert.Equal("ok", trace.GetProperty("shared").GetString());
        Assert.Equal("step 1 on a", trace.GetProperty("events")[1].GetProperty("message").GetString());

        trace = await WaitForTraceAsync(a, "t-shared", 4);
        Assert.Equal(4, trace.GetProperty("events").GetArrayLength()); // b0 from Redis, a's own events once each

        using var redis = await ConnectionMultiplexer.ConnectAsync(Config(RedisFactAttribute.Url!));
        var db = redis.GetDatabase();
        Assert.Equal(4, await db.ListLengthAsync(prefix + "logs:t-shared"));
        var ttl = await db.KeyTimeToLiveAsync(prefix + "logs:t-shared");
        Assert.InRange(ttl!.Value.TotalSeconds, 3000, 3600);
    }

    [RedisFact]
    public async Task Traffic_events_land_in_hourly_batches_of_at_most_the_batch_size_with_the_hours_summary()
    {
        var prefix = RedisFactAttribute.NewPrefix();
        await using var server = await TestServer.StartAsync(o => Shared(o, RedisFactAttribute.Url!, prefix) with { Memory = o.Memory with { BatchSize = 100 } });
        var decisions = new[] { "allow", "block", "challenge" };
        var lines = Enumerable.Range(0, 250).Select(i =>
            $$"""{"id":"r{{i}}","kind":"traffic","timestamp":{{Hour + (i * 1000)}},"decision":"{{decisions[i % 3]}}","country":"{{(i % 2 == 0 ? "DE" : "FR")}}","domain":"shop.example","ip":"198.51.100.{{i % 50}}"}""");
        await Api.PostAsync(server, lines);

        using var redis = await ConnectionMultiplexer.ConnectAsync(Config(RedisFactAttribute.Url!));
        var db = redis.GetDatabase();
        var stats = prefix + "summary:2026-01-01:05:stats";
        await WaitUntilAsync(async () => (long?)await db.HashGetAsync(stats, "total_requests") == 250);
        Assert.Equal(84, (long)await db.HashGetAsync(stats, "decision:allow"));
        Assert.Equal(83, (long)await db.HashGetAsync(stats, "decision:block"));
        Assert.Equal(125, (long)await db.HashGetAsync(stats, "country:DE"));
        Assert.Equal(250, (long)await db.HashGetAsync(stats, "domain:shop.example"));
        Assert.InRange(await db.HyperLogLogLengthAsync(prefix + "summary:2026-01-01:05:ips"), 48, 52);

        var batches = (int)(long)await db.StringGetAsync(prefix + "traffic:2026-01-01:05:batches");
        var ids = new List<string>();
        for (var n = 1; n <= batches; n++)
        {
            var key = $"{prefix}traffic:2026-01-01:05:batch{n:D3}";
            var items = await db.ListRangeAsync(key);
            Assert.InRange(items.Length, 1, 100);
            Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value.TotalHours, 47, 48);
            ids.AddRange(items.Select(v => JsonDocument.Parse((string)v!).RootElement.GetProperty("id").GetString()!));
        }

        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"r{i}").Order(), ids.Order());
    }

    [RedisFact]
    public async Task Events_acknowledged_while_redis_is_killed_reach_it_once_after_it_returns()
    {
        await using var redis = await PrivateRedis.StartAsync();
        var prefix = RedisFactAttribute.NewPrefix();
        await using var server = await TestServer.StartAsync(o => Shared(o, redis.Url, prefix) with
        {
            Redis = o.Redis with { Url = redis.Url, KeyPrefix = prefix, TimeoutMs = 300 },
            Breakers = o.Breakers with { OpenSeconds = 1 },
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Line(int i) => $$"""{"id":"k{{i}}","timestamp":{{now + i}},"message":"m{{i}}","trace_id":"t-kill"}""";

        await Api.PostAsync(server, [.. Enumerable.Range(0, 50).Select(Line)]);
        using (var before = await ConnectionMultiplexer.ConnectAsync(Config(redis.Url)))
        {
            await WaitUntilAsync(async () => await before.GetDatabase().ListLengthAsync(prefix + "logs:t-kill") == 50);
        }

        await redis.KillAsync();
        for (var i = 50; i < 450; i += 50)
        {
            await Api.PostAsync(server, [.. Enumerable.Range(i, 50).Select(Line)]); // acknowledged from the local WAL throughout
        }

        var health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
        var sink = health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "sink:redis");
        Assert.True(sink.GetProperty("details").GetProperty("lag_events").GetInt64() > 0);
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Matches("""sluice_sink_lag_events\{sink="redis"\} [1-9]""", metrics);
        // A delivery counts as failed once its attempts (each waiting up to Redis:TimeoutMs) are spent.
        await WaitUntilAsync(async () => System.Text.RegularExpressions.Regex.IsMatch(await server.Http.GetStringAsync("/metrics"), """sluice_sink_failed_attempts_total\{sink="redis"\} [1-9]"""));

        // Redis comes back empty (no persistence): what it held is gone, what was acknowledged meanwhile must arrive, once.
        await redis.StartAgainAsync();
        using var after = await ConnectionMultiplexer.ConnectAsync(Config(redis.Url));
        var db = after.GetDatabase();
        await WaitUntilAsync(async () => await db.ListLengthAsync(prefix + "logs:t-kill") >= 400, seconds: 40);
        await Task.Delay(500);
        var ids = (await db.ListRangeAsync(prefix + "logs:t-kill")).Select(v => JsonDocument.Parse((string)v!).RootElement.GetProperty("id").GetString()!).ToList();
        Assert.Equal(Enumerable.Range(50, 400).Select(i => $"k{i}").Order(), ids.Order());
        await WaitUntilAsync(async () =>
        {
            var h = await server.GetJsonAsync("/api/traffic-logs/v2/health");
            return h.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "sink:redis").GetProperty("details").GetProperty("lag_events").GetInt64() == 0;
        });
    }

    [RedisFact]
    public async Task A_restarted_node_resumes_its_cursor_and_sends_nothing_twice()
    {
        var prefix = RedisFactAttribute.NewPrefix();
        await using var server = await TestServer.StartAsync(o => Shared(o, RedisFactAttribute.Url!, prefix));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(server, [.. Enumerable.Range(0, 30).Select(i => $$"""{"id":"r{{i}}","timestamp":{{now + i}},"message":"m","trace_id":"t-restart"}""")]);
        using var redis = await ConnectionMultiplexer.ConnectAsync(Config(RedisFactAttribute.Url!));
        var db = redis.GetDatabase();
        await WaitUntilAsync(async () => await db.ListLengthAsync(prefix + "logs:t-restart") == 30);

        await server.RestartAsync(o => Shared(o, RedisFactAttribute.Url!, prefix));
        await Api.PostAsync(server, [.. Enumerable.Range(30, 5).Select(i => $$"""{"id":"r{{i}}","timestamp":{{now + i}},"message":"m","trace_id":"t-restart"}""")]);
        await WaitUntilAsync(async () => await db.ListLengthAsync(prefix + "logs:t-restart") >= 35);
        await Task.Delay(300);
        Assert.Equal(35, await db.ListLengthAsync(prefix + "logs:t-restart"));
    }

    private static Core.Options.SluiceOptions Shared(Core.Options.SluiceOptions o, string url, string prefix) =>
        o with { Redis = o.Redis with { Url = url, KeyPrefix = prefix } };

    private static ConfigurationOptions Config(string url)
    {
        var uri = new Uri(url);
        return new ConfigurationOptions { EndPoints = { { uri.Host, uri.Port } }, AbortOnConnectFail = false };
    }

    private static async Task<JsonElement> WaitForTraceAsync(TestServer server, string trace, int events)
    {
        JsonElement body = default;
        await WaitUntilAsync(async () =>
        {
            using var response = await server.Http.GetAsync("/api/traces/" + trace);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return body.GetProperty("events").GetArrayLength() >= events;
        });
        return body;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(50);
        }
    }
}
