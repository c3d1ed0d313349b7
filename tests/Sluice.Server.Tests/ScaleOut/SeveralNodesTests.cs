using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// Several nodes on ClickHouse: ingest through either node, ask either node, and see every event once; the read-path
/// flag takes a node back to its own events at once; ClickHouse away leaves each node answering with its own.
/// </summary>
public sealed class SeveralNodesTests
{
    [ClickHouseFact]
    public async Task Two_nodes_over_two_shards_and_redis_answer_every_question_with_every_event_once()
    {
        var redis = RedisFactAttribute.Url;
        Assert.NotNull(redis); // the test command starts both servers
        var (first, second) = await PrivateClickHouse.StartPairAsync();
        await using var shard0 = first;
        await using var shard1 = second;
        var database = ClickHouseFactAttribute.NewDatabase();
        var prefix = RedisFactAttribute.NewPrefix();
        SluiceOptions Node(SluiceOptions o, int shard)
        {
            var shipping = Everywhere(o, shard0.Url, database);
            return shipping with
            {
                ClickHouse = shipping.ClickHouse with { Shards = $"{shard0.Url},{shard1.Url}", Shard = shard },
                Redis = o.Redis with { Url = redis!, KeyPrefix = prefix, NodeCount = 2 },
            };
        }

        await using var a = await TestServer.StartAsync(o => Node(o, 0));
        await using var b = await TestServer.StartAsync(o => Node(o, 1));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Log(string id, int i) => $$"""{"id":"{{id}}","timestamp":{{now - 1000 + i}},"service":"svc{{i % 3}}","message":"step {{i}}","trace_id":"tr{{i % 5}}"}""";
        var fromA = Enumerable.Range(0, 150).Select(i => Log("a" + i, i)).ToList();
        var fromB = Enumerable.Range(0, 90).Select(i => Log("b" + i, i)).ToList();
        var trafficB = Enumerable.Range(0, 40).Select(i => $$"""{"id":"t{{i}}","kind":"traffic","timestamp":{{now - 500 + i}},"domain":"d.example","path":"/x","status":200,"decision":"allow","ip":"192.0.2.9"}""").ToList();
        await Api.PostAsync(a, fromA);
        await Api.PostAsync(b, fromB);
        await Api.PostAsync(b, trafficB);
        await Api.PostAsync(b, fromA.Take(60)); // a client retrying through the other node: the shared window keeps one copy

        var expected = fromA.Concat(fromB).Concat(trafficB).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).Order().ToList();
        await WaitUntilAsync(async () => (await Api.SearchAllAsync(a, "kind=log")).Count + (await Api.SearchAllAsync(a, "kind=traffic")).Count == expected.Count);
        foreach (var node in new[] { a, b })
        {
            var ids = (await Api.SearchAllAsync(node, "kind=log")).Concat(await Api.SearchAllAsync(node, "kind=traffic")).Select(Api.Id).Order().ToList();
            Assert.Equal(expected, ids);

            var (status, counts, _) = await node.PostAsync("/api/logs/analytics/custom", """{"query":"| stats count() as n by kind"}""");
            Assert.Equal(200, status);
            var byKind = counts.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("kind").GetString()!, r => r.GetProperty("n").GetInt64());
            Assert.True(byKind.ContainsKey("log"), counts.ToString());
            Assert.Equal(240, byKind["log"]);
            Assert.Equal(40, byKind["traffic"]);

            var trace = await node.GetJsonAsync("/api/traces/tr1");
            var spans = trace.GetProperty("events").EnumerateArray().Select(Api.Id).ToList();
            Assert.Equal(30 + 18, spans.Count);
            Assert.Contains("a1", spans);
            Assert.Contains("b1", spans);

            Assert.Equal("step 7", (await node.GetJsonAsync("/api/logs/" + (node == a ? "b7" : "a7"))).GetProperty("message").GetString());
        }
    }

    [ClickHouseFact]
    public async Task The_read_path_flag_takes_a_node_to_its_own_events_and_back_and_clickhouse_away_falls_back_to_them()
    {
        await using var clickhouse = await PrivateClickHouse.StartAsync();
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var a = await TestServer.StartAsync(o => Everywhere(o, clickhouse.Url, database));
        await using var b = await TestServer.StartAsync(o => Everywhere(o, clickhouse.Url, database));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(a, Enumerable.Range(0, 30).Select(i => $$"""{"id":"a{{i}}","timestamp":{{now - i}},"message":"mine"}"""));
        await Api.PostAsync(b, Enumerable.Range(0, 20).Select(i => $$"""{"id":"b{{i}}","timestamp":{{now - i}},"message":"theirs"}"""));
        await WaitUntilAsync(async () => (await Api.SearchAllAsync(a, "kind=log")).Count == 50);

        var (status, _) = await ReadPathTests.PutAsync(a, """{"reads":"local"}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal(30, (await Api.SearchAllAsync(a, "kind=log")).Count); // the very next question
        Assert.Equal(50, (await Api.SearchAllAsync(b, "kind=log")).Count); // a flag is the node's own
        await ReadPathTests.PutAsync(a, """{"reads":"clickhouse"}""");
        Assert.Equal(50, (await Api.SearchAllAsync(a, "kind=log")).Count);
        Assert.Equal("ok", (await SharedNodes.ComponentAsync(a, "reads")).GetProperty("status").GetString());

        await clickhouse.StopAsync();
        var own = await Api.SearchAllAsync(a, "kind=log"); // answered while ClickHouse is away: this node's events
        Assert.Equal(30, own.Count);
        Assert.All(own, e => Assert.Equal("mine", e.GetProperty("message").GetString()));
        await WaitUntilAsync(async () => (await SharedNodes.ComponentAsync(a, "reads")).GetProperty("status").GetString() == "degraded");
        Assert.Contains("sluice_read_answers_total{by=\"fallback\"}", await a.Http.GetStringAsync("/metrics"));
        Assert.NotEqual(0, Fallbacks(await a.Http.GetStringAsync("/metrics")));

        await clickhouse.StartAgainAsync();
        await WaitUntilAsync(async () => (await Api.SearchAllAsync(a, "kind=log")).Count == 50, seconds: 60);
    }

    [ClickHouseFact]
    public async Task A_single_node_answers_within_its_window_itself_and_older_ranges_from_clickhouse()
    {
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var node = await TestServer.StartAsync(o =>
        {
            var shipping = ClickHouseSinkTests.Shipping(o, ClickHouseFactAttribute.Url!, database);
            return shipping with { ClickHouse = shipping.ClickHouse with { LocalWindowMinutes = 60 } };
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(node, Enumerable.Range(0, 10).Select(i => $$"""{"id":"old{{i}}","timestamp":{{now - (3 * 3_600_000L) + i}},"message":"old"}"""));
        await Api.PostAsync(node, Enumerable.Range(0, 10).Select(i => $$"""{"id":"new{{i}}","timestamp":{{now - 60_000 + i}},"message":"new"}"""));
        await WaitUntilAsync(async () => (await node.GetJsonAsync("/api/traffic-logs/v2/health")).GetProperty("components").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "sink:clickhouse").GetProperty("details").GetProperty("lag_events").GetInt64() == 0);

        var before = Answered(await node.Http.GetStringAsync("/metrics"));
        Assert.Equal(10, (await Api.SearchAllAsync(node, $"kind=log&start_time={now - 600_000}")).Count);
        Assert.Equal(before, Answered(await node.Http.GetStringAsync("/metrics"))); // within the window: the node itself
        Assert.Equal(20, (await Api.SearchAllAsync(node, $"kind=log&start_time={now - (4 * 3_600_000L)}")).Count);
        Assert.Equal(before + 1, Answered(await node.Http.GetStringAsync("/metrics"))); // reaching back: ClickHouse
    }

    /// <summary>Shipping to ClickHouse with every question read there (local window 0), as several nodes run.</summary>
    internal static SluiceOptions Everywhere(SluiceOptions o, string url, string database)
    {
        var shipping = ClickHouseSinkTests.Shipping(o, url, database);
        return shipping with { ClickHouse = shipping.ClickHouse with { LocalWindowMinutes = 0 } };
    }

    private static long Answered(string metrics) => Counter(metrics, "sluice_read_answers_total{by=\"clickhouse\"} ");

    private static long Fallbacks(string metrics) => Counter(metrics, "sluice_read_answers_total{by=\"fallback\"} ");

    private static long Counter(string metrics, string prefix) =>
        long.Parse(metrics.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }
}
