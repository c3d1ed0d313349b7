using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Server.Tests.Support;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// The process SIGKILLs itself at each point between two storage steps whose order recovery relies on (fault
/// injection through <c>SLUICE_CRASH_AT</c>); after a restart every acknowledged event is there exactly once, and
/// no file is left that the manifest does not list.
/// </summary>
public sealed class CrashPointTests
{
    [Theory]
    [InlineData(CrashPoints.SealBeforeManifest)]
    [InlineData(CrashPoints.SealBeforeTrim)]
    [InlineData(CrashPoints.CompactBeforeManifest)]
    [InlineData(CrashPoints.RetiredBeforeDelete)]
    [InlineData(CrashPoints.ArchiveBeforeManifest)]
    public async Task A_crash_between_storage_steps_loses_and_doubles_nothing(string point)
    {
        var dataDir = TestServer.NewDataDir();
        var port = SluiceProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["SLUICE__Storage__CompactAfterMinutes"] = "0",
            ["SLUICE__Retention__ArchiveAfterHours"] = "1",
            ["SLUICE__Wal__SegmentBytes"] = "65536",
        };
        var armed = new Dictionary<string, string>(settings) { ["SLUICE_CRASH_AT"] = point };
        var acked = new List<string>();
        try
        {
            using (var server = await SluiceProcess.StartAsync(dataDir, port, armed))
            {
                using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(20) };
                // Two batches, each flushed: the second makes a second part of the same closed hour, which the
                // worker compacts on its next tick; a TTL cleanup then archives the hour (older than 1 h).
                for (var batch = 0; batch < 2 && !await Exited(server); batch++)
                {
                    List<string> ids;
                    try
                    {
                        ids = await Post(http, batch);
                    }
                    catch (HttpRequestException)
                    {
                        // The worker reached the crash point (a compaction runs in the background) during this
                        // request: it was never acknowledged, so it promises nothing.
                        Assert.True(await Exited(server), "a request failed while the server kept running");
                        break;
                    }

                    acked.AddRange(ids);

                    await Try(() => http.PostAsync("api/admin/flush", null));
                }

                if (!await Exited(server))
                {
                    await Try(() => http.PostAsync("api/traffic-logs/v2/cleanup", new StringContent("""{"policy":"ttl","kind":"all"}""", Encoding.UTF8, "application/json")));
                }

                Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the server never reached {point}");
            }

            // A fresh port: the crashed server's may have been taken by another test's server meanwhile. The restarted
            // server does not compact: a compaction of its own would put files on disk that its manifest does not list
            // yet (the temp file, the retired parts) while the check below looks at what start-up left.
            var restart = new Dictionary<string, string>(settings) { ["SLUICE__Storage__CompactAfterMinutes"] = "1000000" };
            using var restarted = await SluiceProcess.StartAsync(dataDir, SluiceProcess.FreePort(), restart);
            using var client = new HttpClient { BaseAddress = restarted.Url };
            var stored = new List<string>();
            string? cursor = null;
            do
            {
                var page = JsonDocument.Parse(await client.GetStringAsync($"api/logs/search?service=crashpoint&include_archive=true&limit=10000&order=asc{(cursor is null ? "" : "&cursor=" + cursor)}")).RootElement;
                stored.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
                cursor = page.GetProperty("next_cursor").GetString();
            }
            while (cursor is not null);

            Assert.True(acked.Count >= 250, $"{acked.Count} events acknowledged");
            Assert.Equal(stored.Count, stored.Distinct().Count());
            Assert.Empty(acked.Except(stored));

            // A crash before the first manifest leaves none: then no part file may remain either.
            var manifestPath = Path.Combine(dataDir, "meta", "manifest.json");
            var listed = File.Exists(manifestPath)
                ? JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!["parts"]!.AsArray()
                    .Select(p => Path.Combine(dataDir, p!["tier"]!.GetValue<string>() == "archive" ? "archive" : "partitions", p["path"]!.GetValue<string>()))
                    .ToHashSet()
                : [];
            var onDisk = new[] { "partitions", "archive" }.Select(d => Path.Combine(dataDir, d)).Where(Directory.Exists)
                .SelectMany(d => Directory.GetFiles(d, "*.parquet*", SearchOption.AllDirectories)).ToList();
            Assert.All(onDisk, file => Assert.Contains(file, listed));
        }
        finally
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

    private static async Task<bool> Exited(SluiceProcess server) => await server.WaitForExitAsync(TimeSpan.FromMilliseconds(1500));

    private static async Task<List<string>> Post(HttpClient http, int batch)
    {
        // Two hours ago: a closed hour, old enough to archive.
        var ts = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
        var ids = Enumerable.Range(0, 250).Select(i => $"b{batch}-{i}").ToList();
        var body = string.Join('\n', ids.Select((id, i) => $$"""{"id":"{{id}}","message":"crash point","service":"crashpoint","timestamp":{{ts + i}}}"""));
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync("api/ingest", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return ids;
    }

    private static async Task Try(Func<Task<HttpResponseMessage>> call)
    {
        try
        {
            using var _ = await call();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // The server killed itself while answering: expected at a crash point.
        }
    }
}
