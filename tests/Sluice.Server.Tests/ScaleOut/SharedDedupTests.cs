using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Admission;
using Sluice.Admission.Dedup;
using Sluice.Admission.Privacy;
using Sluice.Admission.Quotas;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Core.Time;
using Sluice.Ingest.Json;
using Sluice.Redis;
using Sluice.Redis.Dedup;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>The duplicate window two nodes share through a real Redis: an event retried against the other node is stored once.</summary>
public sealed class SharedDedupTests
{
    [RedisFact]
    public async Task An_id_retried_against_the_other_node_is_stored_once()
    {
        var clock = new ManualClock(SharedNodes.HourStart);
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o, clock);
        var body = string.Join('\n', Enumerable.Range(0, 50).Select(i => $$"""{"id":"pay-{{i}}","message":"payment {{i}}"}"""));
        var (s1, first, _) = await nodes.A.PostAsync("/api/ingest", body, "application/x-ndjson");
        Assert.Equal((200, 50), (s1, first.GetProperty("accepted").GetInt32()));

        var (s2, retry, _) = await nodes.B.PostAsync("/api/ingest", body, "application/x-ndjson");
        Assert.Equal((200, 50, 50), (s2, retry.GetProperty("accepted").GetInt32(), retry.GetProperty("duplicates").GetInt32()));
        Assert.Equal(50, (await Api.SearchAllAsync(nodes.A, "q=")).Count);
        Assert.Empty(await Api.SearchAllAsync(nodes.B, "q="));
        Assert.Contains("sluice_dedup_stored_elsewhere_total 50", await nodes.B.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);

        // Once more on each node: both now know the ids (node B remembered what the shared window told it).
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            var (status, again, _) = await node.PostAsync("/api/ingest", body, "application/x-ndjson");
            Assert.Equal((200, 50), (status, again.GetProperty("duplicates").GetInt32()));
        }

        Assert.Contains("sluice_dedup_stored_elsewhere_total 50", await nodes.B.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        var dedup = await SharedNodes.ComponentAsync(nodes.B, "dedup");
        Assert.Equal(("ok", "shared"), (dedup.GetProperty("status").GetString(), dedup.GetProperty("details").GetProperty("state").GetString()));
    }

    [RedisFact]
    public async Task Concurrent_retries_of_one_batch_on_two_nodes_are_stored_once()
    {
        var clock = new ManualClock(SharedNodes.HourStart);
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o, clock);
        var body = string.Join('\n', Enumerable.Range(0, 300).Select(i => $$"""{"id":"retry-{{i}}","message":"order {{i}}"}"""));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(client => nodes[client].PostAsync("/api/ingest", body, "application/x-ndjson")));

        // Every request is answered as a success or told to retry (its events were still being stored elsewhere).
        Assert.All(answers, a => Assert.True(a.Status is 200 or 503, $"answered {a.Status}: {a.Body}"));
        Assert.Contains(answers, a => a.Status == 200);
        var stored = (await Api.SearchAllAsync(nodes.A, "q=")).Concat(await Api.SearchAllAsync(nodes.B, "q=")).Select(Api.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"retry-{i}").Order(), stored.Order());
    }

    [RedisFact]
    public async Task An_event_refused_by_a_quota_on_one_node_is_stored_when_retried_on_the_other()
    {
        var clock = new ManualClock(SharedNodes.HourStart);
        await using var nodes = await SharedNodes.StartAsync(RedisFactAttribute.Url!, o => o with { Quotas = o.Quotas with { Rules = "trace:1/1h" } }, clock);
        Assert.Equal(1, await SharedNodes.AcceptedAsync(nodes.A, ["""{"id":"first","message":"m","trace_id":"t"}"""]));
        Assert.Equal(0, await SharedNodes.AcceptedAsync(nodes.A, ["""{"id":"second","message":"m","trace_id":"t"}"""]));

        // The refused event's claim was released: on the other node it is stored, not taken for a duplicate.
        var (status, body, _) = await nodes.B.PostAsync("/api/ingest", """{"id":"second","message":"m","trace_id":"u"}""");
        Assert.Equal(200, status);
        Assert.False(body.TryGetProperty("duplicates", out var d) && d.GetInt32() > 0, body.ToString());
        Assert.Single(await Api.SearchAllAsync(nodes.B, "q="));
    }

    [RedisFact]
    public async Task A_batch_whose_log_append_failed_leaves_no_claim_behind_and_its_retry_is_stored_on_another_node()
    {
        // Admission as the ingest path runs it, on two "nodes" sharing the window: the first admits a batch and ends
        // without committing it — what EventIntake does when the WAL append throws — so its keys must be released.
        var prefix = RedisFactAttribute.NewPrefix();
        await using var redis = new RedisConnection(new RedisOptions { Url = RedisFactAttribute.Url!, KeyPrefix = prefix }, new Dependencies(new BreakerOptions()), NullLogger.Instance);
        var lines = Enumerable.Range(0, 20).Select(i => $$"""{"id":"wal-{{i}}","message":"m{{i}}"}""").ToList();
        var first = Node(redis);
        using (var batch = Parse(lines))
        using (var admitted = (await first.AdmitAsync(batch, RequestIdentity.Anonymous, SharedNodes.HourStart, TimeSpan.FromSeconds(5), CancellationToken.None))!)
        {
            Assert.Equal(20, admitted.Rows.Count);
            Assert.Equal(20, await CountKeysAsync(redis, prefix)); // claimed while the append runs
        }

        // The retry on another node waits for the release if it is not there yet, then stores every event.
        var second = Node(redis);
        using (var batch = Parse(lines))
        using (var admitted = (await second.AdmitAsync(batch, RequestIdentity.Anonymous, SharedNodes.HourStart, TimeSpan.FromSeconds(5), CancellationToken.None))!)
        {
            Assert.Equal((20, 0), (admitted.Rows.Count, admitted.Duplicates));
            admitted.Commit();
        }

        // Committed, the keys stay for the window: a third node finds them all stored.
        var third = Node(redis);
        using (var batch = Parse(lines))
        using (var admitted = (await third.AdmitAsync(batch, RequestIdentity.Anonymous, SharedNodes.HourStart, TimeSpan.FromSeconds(5), CancellationToken.None))!)
        {
            Assert.Equal((0, 20), (admitted.Rows.Count, admitted.Duplicates));
        }
    }

    private static BatchAdmission Node(RedisConnection redis)
    {
        var options = new DedupOptions();
        return new BatchAdmission(new QuotaBook([]), LocalQuotaCounters.Exact, new DuplicateFilter(options), null,
            new SharedDuplicates(redis, options, SystemClock.Instance, NullLogger.Instance));
    }

    private static EventBatchBuilder Parse(IEnumerable<string> lines)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var limits = new IngestLimits();
        var batch = new EventBatchBuilder(body.Length);
        using var parser = new EventParser(limits, new KeyedIpHasher(new byte[32]), new EventIdGenerator());
        EventBodyParser.Parse(body, BodyShape.Auto, parser, batch, new ParseContext(EventKind.Log, SharedNodes.HourStart), limits);
        Assert.Equal(lines.Count(), batch.Count);
        return batch;
    }

    private static async Task<int> CountKeysAsync(RedisConnection redis, string prefix) =>
        (int)(long)await redis.RunAsync(db => db.ScriptEvaluateAsync("return #redis.call('KEYS', ARGV[1])", [], [prefix + "dedup:*"]));
}
