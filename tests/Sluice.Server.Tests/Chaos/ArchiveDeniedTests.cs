using System.Diagnostics;
using System.Text.Json;
using Sluice.Server.Tests.ScaleOut;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Seed 002's chaos row "archive directory denied" (1 h at full length). The tests run as root, whom no permission
/// bits deny, so the denial is injected on the <c>archive</c> dependency through <c>POST /api/admin/chaos</c>; the
/// scheduled cleanup is compressed into a cleanup every half second.
/// </summary>
[Collection(ChaosMatrix.Name)]
public sealed class ArchiveDeniedTests(ITestOutputHelper output)
{
    private const long HourMs = 3_600_000;

    [ChaosFact]
    public async Task Archive_denied_keeps_parts_warm_ingest_acks_and_the_parts_are_archived_once_it_is_allowed_again()
    {
        var chaos = new ChaosScenario(output, "archive-denied");
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var node = await TestServer.StartAsync(o => ChaosNodes.Shipping(o, ClickHouseFactAttribute.Url!, database, ChaosNodes.UnfaultedClickHouseTimeoutMs) with
        {
            Retention = o.Retention with { ArchiveAfterHours = 24 },
        });
        var prefix = ChaosNodes.NewPrefix("ad");
        var store = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        // Four hours of events old enough for the archive: four parts, so one cleanup makes the three probes that close the breaker.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var old = Enumerable.Range(0, 200).Select(i => (Id: $"{prefix}o{i}", Ts: now - ((30 + (i % 4)) * HourMs) + i)).ToList();
        await Api.PostAsync(node, old.Select(e => $$"""{"id":"{{e.Id}}","kind":"traffic","timestamp":{{e.Ts}},"domain":"chaos.example","path":"/","status":200,"ip":"192.0.2.7"}"""));
        await Api.FlushAsync(node);
        await using var feed = new AckedFeed(node.Http, prefix);

        await ChaosClient.InjectAsync(node.Http, "archive", "fail", (int)ChaosDurations.ArchiveDenied.TotalSeconds);
        var denied = Stopwatch.StartNew();
        feed.Start();
        var archived = 0;
        await using (var cleanups = new Repeating(async () => archived += await CleanupAsync(node), 500))
        {
            await chaos.WaitDetectedAsync(node.Http, "archive", denied);
            await chaos.AssertShownDuringAsync(node.Http, "archive");
            Assert.Equal(1, ChaosScenario.Gauge(await node.Http.GetStringAsync("/metrics"), "sluice_chaos_injected", "dependency=\"archive\",mode=\"fail\""));
            Assert.Equal(200, await ArchivedOrWarmAsync(node, warm: true)); // kept warm and readable
            Assert.Equal(0, archived);
            while (denied.Elapsed < ChaosDurations.ArchiveDenied)
            {
                await Task.Delay(100);
            }

            var back = Stopwatch.StartNew(); // the fault ends by itself now
            await feed.StopAsync();
            chaos.AssertIngestKeptAnswering(feed, 0);
            while (await ArchivedOrWarmAsync(node, warm: false) < 200)
            {
                Assert.True(back.Elapsed < TimeSpan.FromSeconds(30), "the parts were not archived after the archive came back");
                await Task.Delay(50);
            }

            var took = back.Elapsed;
            chaos.Log($"archive caught up in {took.TotalSeconds:0.00} s after it was allowed again: backlog {old.Count} events in 4 parts, {old.Count / took.TotalSeconds:0} events/s");
            Assert.True(took <= ChaosScenario.CatchUpWithin, $"archiving the backlog took {took.TotalSeconds:0.0} s");
        }

        await chaos.AssertShownRecoveredAsync(node.Http, "archive", null, () => Task.CompletedTask);
        await chaos.AssertExactlyAckedAsync(store, database, [.. old.Select(e => e.Id), .. feed.Acked], prefix);
    }

    /// <summary>Runs a TTL cleanup as the scheduled job would; how many parts it archived.</summary>
    private static async Task<int> CleanupAsync(TestServer node)
    {
        var (status, body, _) = await node.PostAsync("/api/traffic-logs/v2/cleanup", """{"policy":"ttl"}""");
        Assert.True(status == 200, $"cleanup answered {status}: {body}");
        return body.GetProperty("partitions_archived").GetInt32();
    }

    /// <summary>Traffic events in the warm partitions, or in the archive.</summary>
    private static async Task<long> ArchivedOrWarmAsync(TestServer node, bool warm)
    {
        var stats = await node.GetJsonAsync("/api/storage/stats");
        return stats.GetProperty(warm ? "partitions" : "archive").GetProperty("traffic").GetProperty("events").GetInt64();
    }

    /// <summary>Runs an action every so often until disposed (a compressed scheduled job); its failures fail the test at dispose.</summary>
    private sealed class Repeating : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Repeating(Func<Task> action, int everyMs) => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await action();
                try
                {
                    await Task.Delay(everyMs, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
