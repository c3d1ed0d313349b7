using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// Runs sluice as its own process, ingests from several clients, SIGKILLs it at random moments, restarts it,
/// and checks that every acknowledged event is present exactly once.
/// </summary>
public sealed class CrashRecoveryTests
{
    /// <summary>Defaults: with 64 MiB to fill before a seal, every kill lands while events live only in the WAL.</summary>
    private static readonly Dictionary<string, string> WalOnly = [];

    /// <summary>
    /// Tiny chunks sealed every second and closed hours compacted at once: events stamped over the past four
    /// hours keep adding parts to closed hours, so the worker is always sealing or compacting when the kill lands.
    /// </summary>
    private static readonly Dictionary<string, string> SealingAndCompacting = new()
    {
        ["SLUICE__Hot__ChunkBytes"] = "65536",
        ["SLUICE__Hot__MaxBytes"] = "262144",
        ["SLUICE__Storage__SealBytes"] = "65536",
        ["SLUICE__Storage__SealIntervalSeconds"] = "1",
        ["SLUICE__Storage__CompactAfterMinutes"] = "0",
    };

    [Fact]
    public Task Every_acknowledged_event_survives_repeated_SIGKILL_exactly_once() => KillAndCheck(WalOnly, pastHours: 0);

    [Fact]
    public async Task Killed_while_sealing_and_compacting_it_keeps_every_acknowledged_event_once()
    {
        var dataDir = await KillAndCheck(SealingAndCompacting, pastHours: 4, keepDataDir: true);
        try
        {
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dataDir, "meta", "manifest.json")))!;
            var names = manifest["parts"]!.AsArray().Select(p => Path.GetFileName(p!["path"]!.GetValue<string>())).ToList();
            Assert.Contains(names, n => n.StartsWith("compact-", StringComparison.Ordinal));
            Assert.True(manifest["persisted_through_seq"]!.GetValue<long>() > 0);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> KillAndCheck(Dictionary<string, string> environment, int pastHours, bool keepDataDir = false)
    {
        var dataDir = TestServer.NewDataDir();
        var acked = new ConcurrentBag<string>();
        var random = new Random(20261123);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                // The child picks its own port each time: one picked here could be taken by another test's server
                // before the child binds it (and a killed server's port may be taken meanwhile).
                using var server = await SluiceProcess.StartAsync(dataDir, SluiceProcess.AnyPort, environment);
                using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(10) };
                using var stop = new CancellationTokenSource();
                var clients = Enumerable.Range(0, 4).Select(client => Task.Run(() => Send(http, round, client, pastHours, acked, stop.Token))).ToArray();

                // Long enough for seals (every second) and compactions to be under way when the kill lands.
                await Task.Delay(pastHours == 0 ? random.Next(300, 1200) : random.Next(1000, 2500));
                server.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(clients);
            }

            Assert.True(acked.Count > 500, $"only {acked.Count} events were acknowledged; the test did not exercise much");
            using var final = await SluiceProcess.StartAsync(dataDir, SluiceProcess.AnyPort, environment);
            using var client = new HttpClient { BaseAddress = final.Url };
            var stored = await ReadAll(client);

            var duplicates = stored.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.Empty(duplicates);
            var missing = acked.Except(stored).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged events are missing, e.g. {string.Join(", ", missing.Take(5))}");
            return dataDir;
        }
        finally
        {
            if (!keepDataDir)
            {
                try
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Posts batches with fresh ids until cancelled or the server dies; records the ids of acked batches.</summary>
    private static async Task Send(HttpClient http, int round, int client, int pastHours, ConcurrentBag<string> acked, CancellationToken stop)
    {
        var random = new Random((round * 10) + client);
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var ids = Enumerable.Range(0, 25).Select(i => $"r{round}-c{client}-b{batch}-{i}").ToList();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var body = string.Join('\n', ids.Select(id => pastHours == 0
                ? $$"""{"id":"{{id}}","message":"crash test","service":"crash"}"""
                : $$"""{"id":"{{id}}","message":"crash test","service":"crash","timestamp":{{now - random.NextInt64(pastHours * 3_600_000L)}}}"""));
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            try
            {
                using var response = await http.PostAsync("api/ingest", content, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    foreach (var id in ids)
                    {
                        acked.Add(id);
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server was killed mid-request: this batch was never acknowledged.
                return;
            }
        }
    }

    private static async Task<List<string>> ReadAll(HttpClient http)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var text = await http.GetStringAsync($"api/logs/search?service=crash&limit=10000&order=asc{(cursor is null ? "" : "&cursor=" + cursor)}");
            var page = JsonDocument.Parse(text).RootElement;
            ids.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }
}
