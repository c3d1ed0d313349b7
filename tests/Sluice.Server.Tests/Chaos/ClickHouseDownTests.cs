using System.Diagnostics;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>Seed 002's chaos row "ClickHouse down" (5 min at full length): a private ClickHouse stopped, then started again.</summary>
[Collection(ChaosMatrix.Name)]
public sealed class ClickHouseDownTests(ITestOutputHelper output)
{
    [ChaosFact]
    public async Task Clickhouse_down_ingest_acks_the_breaker_opens_and_the_backlog_arrives_once_when_it_is_back()
    {
        var chaos = new ChaosScenario(output, "clickhouse-down");
        await using var clickhouse = await PrivateClickHouse.StartAsync();
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var node = await TestServer.StartAsync(o => ChaosNodes.Shipping(o, clickhouse.Url, database));
        var prefix = ChaosNodes.NewPrefix("chd");
        await using var feed = new AckedFeed(node.Http, prefix);
        var store = new ClickHouseHttp(clickhouse.Url);
        await feed.PostAsync(50);
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), 50, "at start");

        feed.Start();
        var ackedBefore = feed.AckedCount;
        var stopping = Stopwatch.StartNew();
        await clickhouse.StopAsync();
        chaos.Log($"ClickHouse stopped (the script took {stopping.Elapsed.TotalSeconds:0.0} s); detection is timed from here");
        var down = Stopwatch.StartNew();
        await chaos.WaitDetectedAsync(node.Http, "clickhouse", down);
        await chaos.AssertShownDuringAsync(node.Http, "clickhouse", "clickhouse");
        await Task.Delay(ChaosDurations.ClickHouseDown - down.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        await feed.StopAsync();
        chaos.AssertIngestKeptAnswering(feed, ackedBefore);

        var backlog = await ChaosScenario.SinkLagAsync(node.Http, "clickhouse");
        await clickhouse.StartAgainAsync();
        await chaos.WaitCaughtUpAsync(store, database, feed.Acked, prefix, Stopwatch.StartNew(), backlog);
        await chaos.AssertShownRecoveredAsync(node.Http, "clickhouse", "clickhouse", () => feed.PostAsync(5));
        await chaos.AssertExactlyAckedAsync(store, database, feed.Acked, prefix);
    }
}
