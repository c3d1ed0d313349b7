using System.Diagnostics;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Seed 002's chaos row "a slow dependency": ClickHouse behind <see cref="FaultProxy"/>, first a little slow (the sink
/// keeps up), then slower than <c>ClickHouse:TimeoutMs</c> (calls time out, the breaker opens), then a black hole,
/// then healthy again.
/// </summary>
[Collection(ChaosMatrix.Name)]
public sealed class SlowClickHouseTests(ITestOutputHelper output)
{
    [ChaosFact]
    public async Task A_slow_then_silent_clickhouse_is_detected_ingest_acks_and_the_backlog_arrives_once_when_it_is_fast_again()
    {
        var chaos = new ChaosScenario(output, "slow-clickhouse");
        await using var proxy = FaultProxy.Start(ClickHouseFactAttribute.Url!);
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var node = await TestServer.StartAsync(o => ChaosNodes.Shipping(o, proxy.Url, database));
        var prefix = ChaosNodes.NewPrefix("sl");
        var store = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        await using var feed = new AckedFeed(node.Http, prefix);
        await feed.PostAsync(50);
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), 50, "at start");
        feed.Start();

        // A little slow: every chunk 100 ms late, well inside the 1 s timeout; shipping goes on, only later.
        proxy.Delay(100);
        await Task.Delay(ChaosDurations.Phase);
        var slowAcked = feed.Acked;
        await chaos.WaitCaughtUpAsync(store, database, slowAcked, prefix, Stopwatch.StartNew(), 0, "with 100 ms per chunk (feed still running)", atLeast: true);
        Assert.Equal("closed", (await ChaosClient.ComponentAsync(node.Http, "clickhouse")).GetProperty("details").GetProperty("breaker").GetString());

        // Slower than ClickHouse:TimeoutMs: each call times out and counts as failed.
        var ackedBefore = feed.AckedCount;
        proxy.Delay(1_500);
        var slow = Stopwatch.StartNew();
        await chaos.WaitDetectedAsync(node.Http, "clickhouse", slow);
        await chaos.AssertShownDuringAsync(node.Http, "clickhouse", "clickhouse");

        // Then nothing answers at all.
        proxy.Blackhole();
        await Task.Delay(ChaosDurations.Phase);
        await chaos.AssertShownDuringAsync(node.Http, "clickhouse", "clickhouse");
        await feed.StopAsync();
        chaos.AssertIngestKeptAnswering(feed, ackedBefore);

        var backlog = await ChaosScenario.SinkLagAsync(node.Http, "clickhouse");
        proxy.Pass();
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), backlog);
        await chaos.AssertShownRecoveredAsync(node.Http, "clickhouse", "clickhouse", () => feed.PostAsync(5));
        await chaos.AssertExactlyAckedAsync(store, database, feed.Acked, prefix);
    }
}
