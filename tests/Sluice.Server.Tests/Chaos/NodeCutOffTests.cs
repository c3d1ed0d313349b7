using System.Diagnostics;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Seed 002's chaos row "a node cut off" (30 min at full length): two nodes, each a process of its own, ship to one
/// ClickHouse; one is frozen with SIGSTOP (no answer, no shipping, its sockets held open) while the other goes on.
/// </summary>
[Collection(ChaosMatrix.Name)]
public sealed class NodeCutOffTests(ITestOutputHelper output)
{
    [ChaosFact]
    public async Task A_node_cut_off_leaves_the_other_ingesting_and_shipping_and_everything_is_in_clickhouse_once_after_it_returns()
    {
        var chaos = new ChaosScenario(output, "node-cut-off");
        var database = ClickHouseFactAttribute.NewDatabase();
        var environment = ChaosNodes.ShippingEnvironment(ClickHouseFactAttribute.Url!, database);
        var (dirA, dirB) = (TestServer.NewDataDir(), TestServer.NewDataDir());
        using var a = await SluiceProcess.StartAsync(dirA, SluiceProcess.AnyPort, environment);
        using var b = await SluiceProcess.StartAsync(dirB, SluiceProcess.AnyPort, environment);
        var stopped = false;
        try
        {
            using var httpA = new HttpClient { BaseAddress = a.Url, Timeout = TimeSpan.FromSeconds(30) };
            using var httpB = new HttpClient { BaseAddress = b.Url, Timeout = TimeSpan.FromSeconds(30) };
            var prefix = ChaosNodes.NewPrefix("nc");
            var store = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
            await using var feedA = new AckedFeed(httpA, prefix + "a");
            await using var feedB = new AckedFeed(httpB, prefix + "b");
            await feedA.PostAsync(50);
            await feedB.PostAsync(50);
            await chaos.WaitCaughtUpAsync(store, database, [.. feedA.Acked, .. feedB.Acked], prefix, Stopwatch.StartNew(), 100, "at start");

            feedA.Start();
            feedB.Start();
            await Task.Delay(500);
            await feedB.StopAsync(); // nothing of B's is left unanswered: an answer lost with the node would be neither acked nor refused
            Signal(b, "STOP");
            stopped = true;
            var cut = Stopwatch.StartNew();
            var ackedBefore = feedA.AckedCount;
            await chaos.WaitDetectedAsync(cut, async () => !await AnswersAsync(b), "node B does not answer /health/live within 1 s");

            // The other node goes on: its events keep reaching ClickHouse while B is away.
            while (cut.Elapsed < ChaosDurations.NodeCutOff)
            {
                await Task.Delay(250);
            }

            await feedA.StopAsync();
            chaos.AssertIngestKeptAnswering(feedA, ackedBefore);
            await chaos.WaitCaughtUpAsync(store, database, feedA.Acked, prefix + "a", Stopwatch.StartNew(), 0, "node A, B frozen, after A's last acknowledgement");
            var healthA = await ChaosClient.ComponentAsync(httpA, "clickhouse");
            Assert.Equal("ok", healthA.GetProperty("status").GetString());
            chaos.Log($"during: node A healthy (clickhouse breaker {healthA.GetProperty("details").GetProperty("breaker").GetString()}), all {feedA.AckedCount} of its events in ClickHouse while B is frozen");

            // B's backlog froze with it: what it acknowledged and had not shipped yet.
            var backlogB = feedB.AckedCount - long.Parse(await store.ScalarAsync($"SELECT count() FROM {database}.events WHERE id LIKE '{prefix}b%'"), System.Globalization.CultureInfo.InvariantCulture);
            Signal(b, "CONT");
            stopped = false;
            var back = Stopwatch.StartNew();
            await chaos.WaitCaughtUpAsync(store, database, [.. feedA.Acked, .. feedB.Acked], prefix, back, backlogB, "after SIGCONT");
            Assert.True(await AnswersAsync(b), "node B does not answer after SIGCONT");
            chaos.Log("node B:");
            await chaos.AssertShownRecoveredAsync(httpB, "clickhouse", "clickhouse", () => feedB.PostAsync(5));
            chaos.Log("node A:");
            await chaos.AssertShownRecoveredAsync(httpA, "clickhouse", "clickhouse", () => feedA.PostAsync(5));
            await chaos.AssertExactlyAckedAsync(store, database, [.. feedA.Acked, .. feedB.Acked], prefix);
        }
        finally
        {
            if (stopped)
            {
                Signal(b, "CONT");
            }

            foreach (var dir in new[] { dirA, dirB })
            {
                try
                {
                    Directory.Delete(dir, true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static async Task<bool> AnswersAsync(SluiceProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.Url, Timeout = TimeSpan.FromSeconds(1) };
        try
        {
            using var response = await http.GetAsync("/health/live");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static void Signal(SluiceProcess node, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
