using System.Diagnostics;
using System.Globalization;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Seed 002's chaos row "ClickHouse failing in the middle of a batch": through <see cref="FaultProxy"/>, inserts are
/// cut part-way through their body (ClickHouse must store none of it), then answers are cut after ClickHouse took
/// the whole insert (it stored the batch; the node does not know). Either way ClickHouse ends with every
/// acknowledged event once: no gap, no duplicate.
/// </summary>
[Collection(ChaosMatrix.Name)]
public sealed class ClickHouseMidBatchTests(ITestOutputHelper output)
{
    [ChaosFact]
    public async Task Inserts_cut_mid_body_and_answers_cut_after_the_commit_leave_every_acknowledged_event_in_clickhouse_once()
    {
        var chaos = new ChaosScenario(output, "mid-batch");
        await using var proxy = FaultProxy.Start(ClickHouseFactAttribute.Url!);
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var node = await TestServer.StartAsync(o => ChaosNodes.Shipping(o, proxy.Url, database));
        var prefix = ChaosNodes.NewPrefix("mb");
        var store = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        await using var feed = new AckedFeed(node.Http, prefix);
        await feed.PostAsync(50);
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), 50, "at start");
        async Task<long> Held() => long.Parse(await store.ScalarAsync($"SELECT count() FROM {database}.events WHERE id LIKE '{prefix}%'"), CultureInfo.InvariantCulture);

        // After the commit: requests arrive whole, answers are lost. ClickHouse stores a batch; the node must find that out.
        proxy.CutResponse();
        var fault = Stopwatch.StartNew();
        await feed.PostAsync(2_000);
        feed.Start();
        while (await Held() == 50)
        {
            Assert.True(fault.Elapsed < TimeSpan.FromSeconds(30), "no insert reached ClickHouse with its answer cut");
            await Task.Delay(50);
        }

        await chaos.WaitDetectedAsync(node.Http, "clickhouse", fault);
        await chaos.AssertShownDuringAsync(node.Http, "clickhouse", "clickhouse");
        await Task.Delay(ChaosDurations.Phase - fault.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        var committedUnanswered = await Held();
        chaos.Log($"{proxy.Cuts} answers cut after ClickHouse took the request; it holds {committedUnanswered - 50} events the node was never told about");

        // In the middle of a batch: the marks are read (small requests pass), each insert (the whole backlog, some
        // hundreds of KB) is cut after 16 KB of its connection's request. ClickHouse must store nothing of it.
        var cutsBefore = proxy.Cuts;
        proxy.CutRequestAfter(16 * 1024);
        var midBatch = Stopwatch.StartNew();
        // A mark read that succeeds between failed inserts clears the breaker's run of failures: the sink shows the
        // fault, once it has delivered nothing for 5 s while failing.
        await chaos.WaitDetectedAsync(node.Http, "sink:clickhouse", midBatch, c => c.GetProperty("status").GetString() == "degraded");
        await chaos.AssertSinkShownDuringAsync(node.Http, "clickhouse");
        await Task.Delay(ChaosDurations.Phase - midBatch.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero);
        Assert.True(proxy.Cuts > cutsBefore, "no insert was cut mid-request");
        Assert.Equal(committedUnanswered, await Held());
        chaos.Log($"{proxy.Cuts - cutsBefore} connections cut mid-request; ClickHouse stored nothing of them");
        await feed.StopAsync();
        chaos.AssertIngestKeptAnswering(feed, 50);

        var backlog = await ChaosScenario.SinkLagAsync(node.Http, "clickhouse");
        proxy.Pass();
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), backlog);
        await chaos.AssertShownRecoveredAsync(node.Http, "clickhouse", "clickhouse", () => feed.PostAsync(5));
        await chaos.AssertExactlyAckedAsync(store, database, feed.Acked, prefix);
    }

}
