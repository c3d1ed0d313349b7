using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Retention with a clock the test moves: TTL, disk cap, manual cleanup, the hourly job, the archive.</summary>
public sealed class RetentionApiTests
{
    private const long HourMs = 3_600_000;
    private const long Now = 1_767_225_600_000 + (200 * HourMs); // 2026-01-09T08:00:00Z

    private static string Traffic(string id, long ts) =>
        $$"""{"id":"{{id}}","kind":"traffic","timestamp":{{ts}},"domain":"d.example","decision":"allow","country":"DE"}""";

    private static string Log(string id, long ts) => $$"""{"id":"{{id}}","timestamp":{{ts}},"message":"m {{id}}","service":"ret"}""";

    private static async Task<JsonElement> SendAsync(TestServer server, HttpMethod method, string url, object body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent(body) };
        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {url} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private static List<string> Paths(JsonElement report) =>
        [.. report.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()!).Order()];

    private static async Task<List<string>> Ids(TestServer server, string query = "order=asc") =>
        [.. (await Api.SearchAllAsync(server, query)).Select(Api.Id).Order()];

    [Fact]
    public async Task Ttl_dry_run_lists_exactly_what_the_real_run_removes_and_the_hourly_job_runs_alone()
    {
        var clock = new ManualClock(Now);
        await using var server = await TestServer.StartAsync(o => o with { Storage = new() { CompactAfterMinutes = 0 } }, clock: clock);
        // Traffic lives 48 h, logs 7 days (168 h).
        await Api.PostAsync(server,
        [
            Traffic("t-99h", Now - (99 * HourMs)), Traffic("t-49h", Now - (49 * HourMs) - 1), Traffic("t-47h", Now - (47 * HourMs)), Traffic("t-1h", Now - HourMs),
            Log("l-170h", Now - (170 * HourMs)), Log("l-100h", Now - (100 * HourMs)),
        ]);
        await Api.FlushAsync(server);
        // Compaction renames parts; let it finish so the dry run and the real run see the same files.
        await Api.WaitCompactedAsync(server);
        var everything = await Ids(server);

        var dry = await SendAsync(server, HttpMethod.Post, "/api/traffic-logs/v2/cleanup", new { policy = "ttl", dry_run = true });
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Equal(2, dry.GetProperty("partitions_removed").GetInt32());
        Assert.Equal(everything, await Ids(server));
        Assert.All(Paths(dry), path => Assert.True(File.Exists(Path.Combine(server.DataDir, path)), path));

        var real = await SendAsync(server, HttpMethod.Post, "/api/traffic-logs/v2/cleanup", new { policy = "ttl" });
        Assert.Equal(Paths(dry), Paths(real));
        Assert.Equal(dry.GetProperty("bytes_freed").GetInt64(), real.GetProperty("bytes_freed").GetInt64());
        // Paths are reported relative to the data directory's tiers (partitions/…), never as the server's own paths.
        Assert.All(Paths(dry), path => Assert.StartsWith("partitions/traffic/", path, StringComparison.Ordinal));
        Assert.All(Paths(real), path => Assert.False(File.Exists(Path.Combine(server.DataDir, path))));
        Assert.Equal(["l-100h", "l-170h", "t-1h", "t-47h"], await Ids(server));

        // Logs have their own endpoint and TTL.
        var logs = await SendAsync(server, HttpMethod.Delete, "/api/logs/cleanup", new { policy = "ttl" });
        Assert.Equal(1, logs.GetProperty("events_removed").GetInt64());
        Assert.Equal(["l-100h", "t-1h", "t-47h"], await Ids(server));

        // A stray file that no manifest lists, then two hours later: the scheduled job removes what expired and the stray.
        var stray = Path.Combine(server.DataDir, "partitions", "log", "part-000000000777-000000000778.parquet");
        File.WriteAllText(stray, "junk");
        clock.Advance(TimeSpan.FromHours(2));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement last;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the scheduled cleanup did not run");
            await Task.Delay(100);
            last = (await server.GetJsonAsync("/api/storage/stats")).GetProperty("last_cleanup");
        }
        while (last.ValueKind != JsonValueKind.Object || last.GetProperty("trigger").GetString() != "schedule");

        Assert.Equal("scheduled", last.GetProperty("policy").GetString());
        // Reported relative to its tier: answers never show where the server keeps its data.
        Assert.Contains("partitions/log/part-000000000777-000000000778.parquet", last.GetProperty("orphans").EnumerateArray().Select(o => o.GetString()));
        Assert.DoesNotContain(server.DataDir, last.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(stray));
        Assert.Equal(["l-100h", "t-1h"], await Ids(server));
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(server.DataDir, "meta", "cleanup-last-run.json")))!;
        Assert.Equal("schedule", record["trigger"]!.GetValue<string>());
        Assert.True(record["bytes_freed"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task The_disk_cap_drops_the_oldest_partitions_first()
    {
        var clock = new ManualClock(Now);
        var dataDir = TestServer.NewDataDir();
        await using var server = await TestServer.StartAsync(o => o with { Storage = new() { CompactAfterMinutes = 0 } }, dataDir: dataDir, clock: clock);
        for (var h = 6; h >= 1; h--)
        {
            await Api.PostAsync(server, Enumerable.Range(0, 200).Select(i => Log($"h{h}-{i}", Now - (h * HourMs) + i)));
        }

        await Api.FlushAsync(server);
        await Api.WaitCompactedAsync(server);
        var parts = JsonNode.Parse(File.ReadAllText(Path.Combine(dataDir, "meta", "manifest.json")))!["parts"]!.AsArray()
            .OrderByDescending(p => p!["hour"]!.GetValue<long>()).ToList();
        var cap = parts.Take(3).Sum(p => p!["bytes"]!.GetValue<long>());

        await server.RestartAsync(o => o with { Retention = o.Retention with { MaxDiskBytes = cap } });
        var report = await SendAsync(server, HttpMethod.Delete, "/api/logs/cleanup", new { policy = "size" });
        Assert.Equal(3, report.GetProperty("partitions_removed").GetInt32());
        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.True(stats.GetProperty("partitions").GetProperty("log").GetProperty("bytes").GetInt64() <= cap);
        var left = await Ids(server);
        Assert.Equal(600, left.Count);
        Assert.All(left, id => Assert.True(id[..2] is "h1" or "h2" or "h3", id));
    }

    [Fact]
    public async Task A_manual_cleanup_of_the_last_hour_needs_force_and_its_events_are_gone_everywhere()
    {
        var clock = new ManualClock(Now + (30 * 60_000));
        await using var server = await TestServer.StartAsync(clock: clock);
        await Api.PostAsync(server, [Log("now-1", Now + 1000), Log("now-2", Now + 2000), Log("before", Now - HourMs), Traffic("t-now", Now + 3000)]);

        using (var request = new HttpRequestMessage(HttpMethod.Delete, "/api/logs/cleanup") { Content = JsonContent(new { policy = "manual", start_time = Now, end_time = Now + HourMs }) })
        using (var response = await server.Http.SendAsync(request))
        {
            Assert.Equal(409, (int)response.StatusCode);
            Assert.Contains("\"code\":\"force_required\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A dry run answers as the real run would: it needs force too.
        using (var request = new HttpRequestMessage(HttpMethod.Delete, "/api/logs/cleanup") { Content = JsonContent(new { policy = "manual", start_time = Now, end_time = Now + HourMs, dry_run = true }) })
        using (var response = await server.Http.SendAsync(request))
        {
            Assert.Equal(409, (int)response.StatusCode);
        }

        var dry = await SendAsync(server, HttpMethod.Delete, "/api/logs/cleanup", new { policy = "manual", start_time = Now, end_time = Now + HourMs, dry_run = true, force = true });
        Assert.Equal(2, dry.GetProperty("events_removed").GetInt64());
        Assert.Equal(["before", "now-1", "now-2", "t-now"], await Ids(server));

        var real = await SendAsync(server, HttpMethod.Delete, "/api/logs/cleanup", new { policy = "manual", start_time = Now, end_time = Now + HourMs, force = true });
        Assert.Equal(Paths(dry), Paths(real));
        // Gone from memory as well as from disk, and the traffic event of that hour stays.
        Assert.Equal(["before", "t-now"], await Ids(server));
        await Assert.ThrowsAnyAsync<Exception>(() => server.GetJsonAsync("/api/logs/now-1"));
        await server.RestartAsync();
        Assert.Equal(["before", "t-now"], await Ids(server));
    }

    [Fact]
    public async Task Bad_cleanup_requests_name_the_field()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { policy = "everything" }, "policy"),
            (new { policy = "manual" }, "start_time"),
            (new { policy = "manual", start_time = "yesterday" }, "start_time"),
            (new { policy = "manual", start_time = 2000, end_time = 1000 }, "end_time"),
            (new { policy = "ttl", kind = "metrics" }, "kind"),
            (new { policy = "ttl", dry_run = "maybe" }, "dry_run"),
            (new { policy = "ttl", dry_run = (object)1.5 }, "dry_run"),
            (new { policy = "manual", start_time = 1_767_225_600.5, end_time = 1_767_229_200 }, "start_time"),
            (new { policy = (object)7 }, "policy"),
        })
        {
            using var response = await server.Http.PostAsync("/api/traffic-logs/v2/cleanup", JsonContent(body));
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal(field, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Old_partitions_move_to_the_archive_and_are_read_only_when_asked()
    {
        var clock = new ManualClock(Now);
        await using var server = await TestServer.StartAsync(o => o with { Retention = o.Retention with { ArchiveAfterHours = 24 } }, clock: clock);
        await Api.PostAsync(server, [Traffic("old", Now - (30 * HourMs)), Traffic("new", Now - HourMs)]);
        await Api.FlushAsync(server);

        var report = await SendAsync(server, HttpMethod.Post, "/api/traffic-logs/v2/cleanup", new { policy = "ttl" });
        Assert.Equal(1, report.GetProperty("partitions_archived").GetInt32());
        Assert.Equal(0, report.GetProperty("bytes_freed").GetInt64());
        var archived = Directory.GetFiles(Path.Combine(server.DataDir, "archive"), "*.parquet", SearchOption.AllDirectories);
        Assert.Single(archived);
        Assert.Contains(Path.Combine("traffic", "2026-01-08", "02"), archived[0], StringComparison.Ordinal);

        Assert.Equal(["new"], await Ids(server));
        Assert.Equal(["new", "old"], await Ids(server, "order=asc&include_archive=true"));
        using (var missing = await server.Http.GetAsync("/api/logs/old"))
        {
            Assert.Equal(404, (int)missing.StatusCode);
        }

        Assert.Equal("old", (await server.GetJsonAsync("/api/logs/old?include_archive=true")).GetProperty("id").GetString());
        var summary = await server.GetJsonAsync("/api/traffic-logs/v2/summary?granularity=day&date=2026-01-08&include_archive=true");
        Assert.Equal(1, summary.GetProperty("total_requests").GetInt64());
        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.Equal(1, stats.GetProperty("archive").GetProperty("traffic").GetProperty("events").GetInt64());
    }

    [Fact]
    public async Task A_part_the_archive_cannot_take_stays_warm_and_readable_and_is_archived_once_the_archive_is_back()
    {
        var clock = new ManualClock(Now);
        var blocker = Path.Combine(Path.GetTempPath(), "sluice-archive-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(blocker, "a file where the archive's parent directory should be");
        var archive = Path.Combine(blocker, "archive");
        try
        {
            await using var server = await TestServer.StartAsync(o => o with { Retention = o.Retention with { ArchiveAfterHours = 24, ArchiveDir = archive } }, clock: clock);
            await Api.PostAsync(server, [Traffic("old", Now - (30 * HourMs)), Traffic("new", Now - HourMs)]);
            await Api.FlushAsync(server);

            var report = await SendAsync(server, HttpMethod.Post, "/api/traffic-logs/v2/cleanup", new { policy = "ttl" });
            Assert.Equal(0, report.GetProperty("partitions_archived").GetInt32());
            Assert.Equal(["new", "old"], await Ids(server, "order=asc"));
            var health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
            var breaker = health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "archive");
            Assert.True(breaker.GetProperty("details").GetProperty("failures").GetInt64() >= 1);

            File.Delete(blocker);
            report = await SendAsync(server, HttpMethod.Post, "/api/traffic-logs/v2/cleanup", new { policy = "ttl" });
            Assert.Equal(1, report.GetProperty("partitions_archived").GetInt32());
            Assert.Equal(["new"], await Ids(server));
            Assert.Equal(["new", "old"], await Ids(server, "order=asc&include_archive=true"));
        }
        finally
        {
            if (File.Exists(blocker))
            {
                File.Delete(blocker);
            }
            else if (Directory.Exists(blocker))
            {
                Directory.Delete(blocker, true);
            }
        }
    }
}
