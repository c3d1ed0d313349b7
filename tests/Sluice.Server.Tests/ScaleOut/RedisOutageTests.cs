using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using Sluice.Admission.Quotas;
using Sluice.Redis;
using Sluice.Redis.Quotas;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// Redis SIGKILLed in the middle of ingest on two nodes, then started again (empty, as after a crash): ingest never
/// stops, quotas fall back to each node's share and health says so, and counting is shared again afterwards with
/// what the nodes counted on their own added to the shared counters.
/// </summary>
public sealed class RedisOutageTests
{
    private const int TraceLimit = 40;

    [RedisFact]
    public async Task Ingest_goes_on_through_a_redis_crash_on_each_node_s_share_and_reconciles_when_redis_is_back()
    {
        await using var redis = await PrivateRedis.StartAsync();
        var clock = new ManualClock(SharedNodes.HourStart + (30 * 60_000));
        await using var nodes = await SharedNodes.StartAsync(redis.Url, o => o with
        {
            Quotas = o.Quotas with { Rules = $"trace:{TraceLimit}/1h" },
            Redis = o.Redis with { TimeoutMs = 200 },
            Breakers = o.Breakers with { OpenSeconds = 1, Retries = 0 },
        }, clock);

        // Shared: 8 clients on two nodes get exactly the trace's limit between them.
        Assert.Equal(TraceLimit, await EightClientsAsync(nodes, "before", 10));

        // Background ingest on both nodes, a new trace per request, runs through the crash and the restart.
        var statuses = new ConcurrentQueue<int>();
        using var stop = new CancellationTokenSource();
        var background = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var body = string.Join('\n', Enumerable.Range(0, 5).Select(e => $$"""{"message":"bg {{e}}","trace_id":"bg-{{client}}-{{i}}"}"""));
                var (status, _, _) = await nodes[client].PostAsync("/api/ingest", body, "application/x-ndjson");
                statuses.Enqueue(status);
                await Task.Delay(5);
            }
        })).ToArray();

        await WaitForAsync(() => statuses.Count >= 20, "background ingest started");
        await redis.KillAsync();
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            await WaitForAsync(async () => (await State(node)).StartsWith("local (redis unavailable since 2026-01-01T00:30:00Z)", StringComparison.Ordinal), "quotas local in health");
            var quotas = await SharedNodes.ComponentAsync(node, "quotas");
            Assert.Equal("degraded", quotas.GetProperty("status").GetString());
        }

        // The duplicate window falls back to the node's own: an id sent twice to one node is still stored once.
        var withId = """{"id":"outage-1","message":"paid","trace_id":"ids"}""";
        Assert.Equal(1, await SharedNodes.AcceptedAsync(nodes.A, [withId]));
        var (_, resent, _) = await nodes.A.PostAsync("/api/ingest", withId);
        Assert.Equal(1, resent.GetProperty("duplicates").GetInt32());
        var dedup = (await SharedNodes.ComponentAsync(nodes.A, "dedup")).GetProperty("details");
        Assert.StartsWith("local (redis unavailable since", dedup.GetProperty("state").GetString(), StringComparison.Ordinal);

        // On its own, each node admits its share of a new trace's limit: half, with two nodes.
        Assert.Equal(TraceLimit / 2, await EightClientsAsync(nodes, "during", 10, onlyNode: 0));
        Assert.Equal(TraceLimit / 2, await EightClientsAsync(nodes, "during", 10, onlyNode: 1));

        // Redis comes back empty; the nodes reconcile on their next batches and count shared again.
        await redis.StartAgainAsync();
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            await WaitForAsync(async () => await State(node) == "shared", "quotas shared again in health");
        }

        Assert.Equal(1, await SharedNodes.AcceptedAsync(nodes.A, ["""{"id":"after-1","message":"paid","trace_id":"ids"}"""]));
        Assert.Equal("shared", (await SharedNodes.ComponentAsync(nodes.A, "dedup")).GetProperty("details").GetProperty("state").GetString());

        stop.Cancel();
        await Task.WhenAll(background);
        Assert.All(statuses, s => Assert.True(s is 200, $"a background request was answered {s}"));

        // Redis had lost its data, so each node added everything it counted in the current windows: the traces
        // used up before and during the outage are full across both nodes, and a new one is shared exactly.
        await using var connection = new RedisConnection(new Sluice.Core.Options.RedisOptions { Url = redis.Url, KeyPrefix = nodes.Prefix }, new Sluice.Core.Resilience.Dependencies(new()), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Equal(TraceLimit, await SharedCountAsync(connection, "before", clock.UnixMilliseconds));
        Assert.Equal(TraceLimit, await SharedCountAsync(connection, "during", clock.UnixMilliseconds));
        Assert.Equal(0, await EightClientsAsync(nodes, "before", 2));
        Assert.Equal(0, await EightClientsAsync(nodes, "during", 2));
        Assert.Equal(TraceLimit, await EightClientsAsync(nodes, "after", 10));
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            var details = (await SharedNodes.ComponentAsync(node, "quotas")).GetProperty("details");
            Assert.True(details.GetProperty("reconciled_events").GetInt64() >= TraceLimit / 2, details.ToString());
            Assert.True(details.GetProperty("local_events").GetInt64() >= TraceLimit / 2, details.ToString());
            var metrics = await node.Http.GetStringAsync("/metrics");
            Assert.Contains("sluice_quota_shared 1", metrics, StringComparison.Ordinal);
            Assert.Matches("sluice_quota_decisions_total\\{mode=\"local\"\\} [1-9]", metrics);
        }
    }

    /// <summary>8 clients (on both nodes, or all on one) sending one event a request of one trace; the events accepted.</summary>
    private static async Task<int> EightClientsAsync(SharedNodes nodes, string trace, int requestsEach, int? onlyNode = null) =>
        (await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            var sum = 0;
            for (var i = 0; i < requestsEach; i++)
            {
                sum += await SharedNodes.AcceptedAsync(nodes[onlyNode ?? client], [$$"""{"message":"{{trace}} {{client}}.{{i}}","trace_id":"{{trace}}"}"""]);
            }

            return sum;
        })))).Sum();

    private static async Task<string> State(TestServer node) =>
        (await SharedNodes.ComponentAsync(node, "quotas")).GetProperty("details").GetProperty("state").GetString()!;

    private static async Task<long> SharedCountAsync(RedisConnection connection, string trace, long nowMs)
    {
        var errors = new List<string>();
        var rule = QuotaRule.ParseList($"trace:{TraceLimit}/1h", errors).Single();
        var key = connection.Key(QuotaKeys.Counter(rule, nowMs / rule.WindowMs, XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(trace))));
        return (long)await connection.RunAsync(db => db.StringGetAsync(key));
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls a condition the servers reach on their own (a breaker's timing), failing after 30 s.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached in 30 s: {what}");
            await Task.Delay(50);
        }
    }
}
