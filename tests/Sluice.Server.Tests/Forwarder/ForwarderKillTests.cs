using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Forwarder;

/// <summary>
/// Issue 18's forwarder row: "kill either side at random moments during a transfer; afterwards, every event
/// acknowledged by the forwarder is in the server exactly once". The moments come from a seeded random, printed,
/// so a failure reproduces with <c>SLUICE_FORWARD_SEED</c>.
/// </summary>
public sealed class ForwarderKillTests(ITestOutputHelper output)
{
    private const int Kills = 6;

    [Fact]
    public async Task Killing_either_side_at_random_moments_leaves_every_acknowledged_event_upstream_exactly_once()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SLUICE_FORWARD_SEED"), out var given) ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with SLUICE_FORWARD_SEED={seed})");
        var random = new Random(seed);
        var (upstreamData, forwarderData) = (TestServer.NewDataDir(), TestServer.NewDataDir());
        var (upstreamPort, forwarderPort) = (SluiceProcess.FreePort(), SluiceProcess.FreePort());
        var upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);
        var forwarder = await Forwarders.StartAsync(forwarderData, forwarderPort, upstream.Url, "--batch", "20", "--interval", "100ms");
        var acked = new List<string>();
        using var stop = new CancellationTokenSource();
        var sender = SendAsync(new Uri($"http://127.0.0.1:{forwarderPort}/"), acked, stop.Token);
        try
        {
            for (var i = 0; i < Kills; i++)
            {
                await Task.Delay(random.Next(300, 1_500));
                var killForwarder = random.Next(2) == 0;
                var downMs = random.Next(0, 1_000);
                output.WriteLine($"kill {i}: the {(killForwarder ? "forwarder" : "upstream")}, down {downMs} ms, {Count(acked)} acknowledged so far");
                if (killForwarder)
                {
                    forwarder.Dispose(); // SIGKILL
                    await Task.Delay(downMs);
                    forwarder = await Forwarders.StartAsync(forwarderData, forwarderPort, upstream.Url, "--batch", "20", "--interval", "100ms");
                }
                else
                {
                    upstream.Dispose();
                    await Task.Delay(downMs);
                    upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);
                }
            }

            await Task.Delay(500);
            await stop.CancelAsync();
            await sender;
            var expected = Snapshot(acked);
            output.WriteLine($"{expected.Count} events acknowledged by the forwarder");
            Assert.True(expected.Count > 100, $"the sender got only {expected.Count} acknowledgements");

            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events") == 0, 60, "the backlog to drain");
            var received = await Forwarders.IdsAsync(upstream.Url);
            var twice = received.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"stored more than once upstream: {string.Join(", ", twice.Take(20))}");
            var missing = expected.Except(received).ToList();
            Assert.True(missing.Count == 0, $"acknowledged but not upstream: {string.Join(", ", missing.Take(20))}");
        }
        finally
        {
            await stop.CancelAsync();
            forwarder.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>
    /// The one moment that resends: the upstream has taken a batch, the forwarder dies before saving its cursor. The
    /// upstream is killed and restarted too before the forwarder comes back, so its duplicate window must come back
    /// from its WAL; the resent batch is still stored once.
    /// </summary>
    [Fact]
    public async Task A_forwarder_killed_between_the_upstreams_answer_and_its_cursor_save_resends_a_batch_stored_once()
    {
        var (upstreamData, forwarderData) = (TestServer.NewDataDir(), TestServer.NewDataDir());
        var upstreamPort = SluiceProcess.FreePort();
        var upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);
        try
        {
            var crash = new Dictionary<string, string> { ["SLUICE_CRASH_AT"] = "sink-delivered-before-cursor" };
            var ids = Enumerable.Range(0, 25).Select(i => $"c{i}").ToList();
            using (var forwarder = await Forwarders.StartAsync(forwarderData, SluiceProcess.AnyPort, upstream.Url, crash, "--batch", "10", "--interval", "100ms"))
            {
                using var http = Forwarders.Client(forwarder);
                try
                {
                    Assert.True(await Forwarders.PostNativeAsync(http, ids, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                }
                catch (HttpRequestException)
                {
                    // Killed itself before answering: nothing to claim about the ack, the WAL decides.
                }

                Assert.True(await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the forwarder did not reach its crash point");
            }

            Assert.Equal(10, (await Forwarders.IdsAsync(upstream.Url)).Count);
            upstream.Dispose();
            upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);

            using var again = await Forwarders.StartAsync(forwarderData, SluiceProcess.AnyPort, upstream.Url, "--batch", "10", "--interval", "100ms");
            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(again.Url, "sluice_sink_lag_events") == 0, what: "the backlog to drain");
            var received = await Forwarders.IdsAsync(upstream.Url);
            Assert.Equal(ids.Order(), received.Order());
            Assert.Equal(25, await Forwarders.MetricAsync(again.Url, "sluice_sink_delivered_events_total")); // the first ten were sent again
        }
        finally
        {
            upstream.Dispose();
        }
    }

    /// <summary>Posts batches of 10 to the forwarder's port until stopped; remembers the ids of every fully acknowledged batch.</summary>
    private static async Task SendAsync(Uri forwarder, List<string> acked, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = forwarder, Timeout = TimeSpan.FromSeconds(10) };
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            var ids = Enumerable.Range(next, 10).Select(i => $"k{i}").ToList();
            next += 10;
            try
            {
                if (await Forwarders.PostNativeAsync(http, ids, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                {
                    lock (acked)
                    {
                        acked.AddRange(ids);
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // The forwarder was killed under the request, or is still starting: not acknowledged.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private static int Count(List<string> acked)
    {
        lock (acked)
        {
            return acked.Count;
        }
    }

    private static List<string> Snapshot(List<string> acked)
    {
        lock (acked)
        {
            return [.. acked];
        }
    }
}
