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
    [Fact]
    public async Task Every_acknowledged_event_survives_repeated_SIGKILL_exactly_once()
    {
        var dataDir = TestServer.NewDataDir();
        var port = SluiceProcess.FreePort();
        var acked = new ConcurrentBag<string>();
        var random = new Random(20261123);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                using var server = await SluiceProcess.StartAsync(dataDir, port);
                using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(10) };
                using var stop = new CancellationTokenSource();
                var clients = Enumerable.Range(0, 4).Select(client => Task.Run(() => Send(http, round, client, acked, stop.Token))).ToArray();

                await Task.Delay(random.Next(300, 1200));
                server.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(clients);
            }

            Assert.True(acked.Count > 500, $"only {acked.Count} events were acknowledged; the test did not exercise much");
            using var final = await SluiceProcess.StartAsync(dataDir, port);
            using var client = new HttpClient { BaseAddress = final.Url };
            var stored = await ReadAll(client);

            var duplicates = stored.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.Empty(duplicates);
            var missing = acked.Except(stored).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged events are missing, e.g. {string.Join(", ", missing.Take(5))}");
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

    /// <summary>Posts batches with fresh ids until cancelled or the server dies; records the ids of acked batches.</summary>
    private static async Task Send(HttpClient http, int round, int client, ConcurrentBag<string> acked, CancellationToken stop)
    {
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var ids = Enumerable.Range(0, 25).Select(i => $"r{round}-c{client}-b{batch}-{i}").ToList();
            var body = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","message":"crash test","service":"crash"}"""));
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
