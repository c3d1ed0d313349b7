using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Sealed partitions as users meet them: reading back, paging across the seam, WAL trimming, orphans.</summary>
public sealed class StorageApiTests
{
    private const long Hour0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    private const long HourMs = 3_600_000;

    /// <summary>Events of both kinds over three hours, with every value shape a part must carry.</summary>
    private static List<string> MixedEvents(int count, string tag)
    {
        var random = new Random(42);
        string[] levels = ["debug", "info", "warn", "error", "fatal"];
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var ts = Hour0 + random.NextInt64(3 * HourMs);
            var trace = $"{tag}-trace-{i % 40}";
            return i % 3 == 0
                ? $$"""{"id":"{{tag}}-{{i}}","kind":"traffic","timestamp":{{ts}},"domain":"shop{{i % 5}}.example","path":"/p/{{i % 17}}","method":"GET","status":{{(i % 7 == 0 ? 403 : 200)}},"country":"{{(i % 4 == 0 ? "DE" : "NL")}}","decision":"{{(i % 7 == 0 ? "block" : "allow")}}","reason":"r{{i % 3}}","risk":{{i % 101}},"ad_click":{{(i % 2 == 0 ? "true" : "false")}},"ip":"10.0.{{i % 250}}.{{i % 7}}","trace_id":"{{trace}}"}"""
                : $$$"""{"id":"{{{tag}}}-{{{i}}}","timestamp":{{{ts}}},"level":"{{{levels[i % 5]}}}","message":"Request {{{i}}} took \"{{{i % 900}}}\" ms — Grüße","service":"svc{{{i % 4}}}","system":"backend","trace_id":"{{{trace}}}","priority":{{{1 + (i % 5)}}},"attributes":{"region":"eu-{{{i % 3}}}","nested":{"k":"v{{{i}}}","quote":"a\"b\\c"} } }""";
        })];
    }

    [Fact]
    public async Task Sealed_events_read_back_exactly_as_they_went_in()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, MixedEvents(3000, "rt"));
        string[] queries = ["order=asc", "order=desc&level=error,fatal", "q=grÜßE&order=asc", "kind=traffic&domain=shop3.example", "service=svc2&start_time=2026-01-01T01:00:00Z&end_time=2026-01-01T02:30:00Z"];

        var inMemory = new List<List<string>>();
        foreach (var query in queries)
        {
            inMemory.Add([.. (await Api.SearchAllAsync(server, query, limit: 333)).Select(Api.Canonical)]);
        }

        var byId = Api.Canonical(await server.GetJsonAsync("/api/logs/rt-1"));
        var trace = Api.Canonical(await server.GetJsonAsync("/api/traces/rt-trace-7"));

        await Api.FlushAsync(server);
        await server.RestartAsync();
        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.Equal(0, stats.GetProperty("hot").GetProperty("events").GetInt64());

        for (var q = 0; q < queries.Length; q++)
        {
            var fromParts = (await Api.SearchAllAsync(server, queries[q], limit: 333)).Select(Api.Canonical).ToList();
            Assert.True(inMemory[q].Count > 0, queries[q]);
            Assert.Equal(inMemory[q], fromParts);
        }

        Assert.Equal(byId, Api.Canonical(await server.GetJsonAsync("/api/logs/rt-1")));
        Assert.Equal(trace, Api.Canonical(await server.GetJsonAsync("/api/traces/rt-trace-7")));
    }

    [Fact]
    public async Task Paging_while_partitions_seal_returns_every_event_exactly_once()
    {
        // Tiny chunks and a tiny hot tier: pages are served partly from memory, partly from parts, and rows
        // move from one to the other between pages.
        await using var server = await TestServer.StartAsync(o => o with
        {
            Hot = new() { ChunkBytes = 64 * 1024, MaxBytes = 128 * 1024 },
            Storage = new() { SealBytes = 64 * 1024, SealIntervalSeconds = 1 },
        });
        var initial = MixedEvents(6000, "seam");
        await Api.PostAsync(server, initial);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await server.GetJsonAsync($"/api/logs/search?order=asc&limit=250{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("events").EnumerateArray().Select(Api.Id));
            cursor = page.GetProperty("next_cursor").GetString();
            await Api.PostAsync(server, MixedEvents(300, $"later{pages}"));
            if (++pages % 2 == 0)
            {
                await Api.FlushAsync(server);
            }
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 6000).Select(i => $"seam-{i}").Order(), seen.Order());
        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.True(stats.GetProperty("hot").GetProperty("events").GetInt64() < 6000, "the hot tier never evicted: the seam was not exercised");
    }

    [Fact]
    public async Task Sealed_events_leave_memory_after_the_hot_hours_and_are_still_found()
    {
        // The clock just after the events' hours, so the hourly cleanup has nothing to expire.
        var clock = new ManualClock(Hour0 + (4 * HourMs));
        await using var server = await TestServer.StartAsync(clock: clock);
        await Api.PostAsync(server, MixedEvents(500, "aging"));
        await Api.FlushAsync(server);
        var trace = Api.Canonical(await server.GetJsonAsync("/api/traces/aging-trace-3"));
        Assert.Equal(500, (await server.GetJsonAsync("/api/storage/stats")).GetProperty("hot").GetProperty("events").GetInt64());

        // Retention:HotHours is 1: past it, the worker's tick lets the persisted chunks go.
        clock.Advance(TimeSpan.FromMinutes(61));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await server.GetJsonAsync("/api/storage/stats")).GetProperty("hot").GetProperty("events").GetInt64() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "persisted chunks stayed in memory past Retention:HotHours");
            await Task.Delay(100);
        }

        Assert.Equal(trace, Api.Canonical(await server.GetJsonAsync("/api/traces/aging-trace-3")));
        Assert.Equal(500, (await Api.SearchAllAsync(server, "order=asc")).Count);
    }

    [Fact]
    public async Task Wal_segments_are_trimmed_once_their_events_are_sealed()
    {
        await using var server = await TestServer.StartAsync(o => o with { Wal = new() { SegmentBytes = 64 * 1024 } });
        await Api.PostAsync(server, MixedEvents(4000, "trim"));
        var walDir = Path.Combine(server.DataDir, "wal");
        var before = Directory.GetFiles(walDir).Length;
        await Api.FlushAsync(server);
        // The segment being written is kept; the rest held only sealed events.
        Assert.True(Directory.GetFiles(walDir).Length < before, $"{before} segments before, {Directory.GetFiles(walDir).Length} after");
        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.True(stats.GetProperty("wal").GetProperty("segments_trimmed").GetInt64() > 0);

        await Api.PostAsync(server, MixedEvents(500, "after"));
        await server.RestartAsync();
        var ids = (await Api.SearchAllAsync(server, "order=asc", 5000)).Select(Api.Id).ToList();
        Assert.Equal(4500, ids.Count);
        Assert.Equal(4500, ids.Distinct().Count());
    }

    [Fact]
    public async Task Files_a_crash_left_unlisted_are_deleted_and_nothing_is_doubled()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, MixedEvents(1200, "orphan"));
        await Api.FlushAsync(server);
        var part = Directory.GetFiles(Path.Combine(server.DataDir, "partitions"), "*.parquet", SearchOption.AllDirectories).First();
        var dir = Path.GetDirectoryName(part)!;
        // What a crash between a part's rename and the manifest write leaves: a part (and stats) no manifest lists.
        var stray = Path.Combine(dir, "part-000009000000-000009000100.parquet");
        File.Copy(part, stray);
        File.Copy(Path.ChangeExtension(part, ".stats.json"), Path.ChangeExtension(stray, ".stats.json"));
        File.WriteAllText(Path.Combine(dir, "part-000009000200-000009000300.parquet.tmp"), "half written");

        await server.RestartAsync();
        Assert.False(File.Exists(stray));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        var ids = (await Api.SearchAllAsync(server, "order=asc", 5000)).Select(Api.Id).ToList();
        Assert.Equal(1200, ids.Count);
        Assert.Equal(1200, ids.Distinct().Count());
    }

    [Fact]
    public async Task Late_events_make_extra_parts_that_compaction_merges()
    {
        var clock = new ManualClock(Hour0 + (5 * HourMs));
        await using var server = await TestServer.StartAsync(o => o with { Storage = new() { CompactAfterMinutes = 0 } }, clock: clock);
        var all = new List<string>();
        var tracesInMemory = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            var batch = MixedEvents(900, $"late{round}");
            all.AddRange(batch);
            await Api.PostAsync(server, batch);
            // Each round's traces are its own, so these answers come from the hot tier alone.
            for (var trace = 0; trace < 40; trace++)
            {
                tracesInMemory.Add(Api.Canonical(await server.GetJsonAsync($"/api/traces/late{round}-trace-{trace}")));
            }

            await Api.FlushAsync(server);
        }

        var summaryBefore = await server.GetJsonAsync("/api/traffic-logs/v2/summary?granularity=day&date=2026-01-01");
        // Closed hours are compacted by the worker's tick; wait for one part per (kind, hour).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(server.DataDir, "meta", "manifest.json")))!["parts"]!.AsArray();
            var perHour = manifest.GroupBy(p => (p!["kind"]!.GetValue<string>(), p["hour"]!.GetValue<long>())).ToList();
            // The manifest is written before the replaced files are deleted: wait for both.
            var files = Directory.GetFiles(Path.Combine(server.DataDir, "partitions"), "*.parquet", SearchOption.AllDirectories).Length;
            if (perHour.All(g => g.Count() == 1) && files == perHour.Count)
            {
                Assert.Equal(6, perHour.Count);
                Assert.All(manifest, p => Assert.StartsWith("compact-", Path.GetFileName(p!["path"]!.GetValue<string>()), StringComparison.Ordinal));
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "closed hours were not compacted into one file each");
            await Task.Delay(100);
        }

        var ids = (await Api.SearchAllAsync(server, "order=asc", 5000)).Select(Api.Id).ToList();
        Assert.Equal(2700, ids.Count);
        Assert.Equal(2700, ids.Distinct().Count());
        var summaryAfter = await server.GetJsonAsync("/api/traffic-logs/v2/summary?granularity=day&date=2026-01-01");
        Assert.Equal(summaryBefore.GetRawText(), summaryAfter.GetRawText());
        // Every field of every event reads back from the compacted parts as it went into memory (after a restart,
        // which leaves no persisted row in memory to answer instead).
        await server.RestartAsync();
        var tracesFromParts = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            for (var trace = 0; trace < 40; trace++)
            {
                tracesFromParts.Add(Api.Canonical(await server.GetJsonAsync($"/api/traces/late{round}-trace-{trace}")));
            }
        }

        Assert.Equal(tracesInMemory, tracesFromParts);
        // The merged parts carry merged trace indexes: i % 40 == 3 for i < 900 is 23 events.
        Assert.Equal(23, (await server.GetJsonAsync("/api/traces/late1-trace-3")).GetProperty("events").GetArrayLength());
    }
}

/// <summary>Ingest waits for sealing once unsealed rows fill the hot tier, then answers 503 instead of growing.</summary>
public sealed class BackpressureTests
{
    [Fact]
    public async Task A_stalled_storage_worker_turns_ingest_into_503_without_losing_an_acknowledged_event()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Hot = new() { ChunkBytes = 64 * 1024, MaxBytes = 256 * 1024 },
            Storage = new() { SealBytes = 64 * 1024, IngestWaitMs = 200 },
        });
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Sluice.Storage.EventStore>(server.App.Services);
        store.Worker.Paused = true;

        // Eight clients at once until each is turned away: waiting requests must not all pour in when room appears.
        var acked = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var batch = 0; ; batch++)
            {
                Assert.True(batch < 200, "ingest never pushed back");
                var ids = Enumerable.Range(0, 100).Select(i => $"bp-{client}-{batch}-{i}").ToList();
                var body = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","message":"{{new string('x', 200)}}","service":"bp"}"""));
                var (status, problem, response) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
                if (status != 200)
                {
                    Assert.Equal(503, status);
                    Assert.Equal("storage_behind", problem.GetProperty("code").GetString());
                    Assert.NotNull(response.Headers.RetryAfter);
                    return;
                }

                foreach (var id in ids)
                {
                    acked.Add(id);
                }
            }
        })).ToArray();
        await Task.WhenAll(clients);

        // Memory stayed within the bound plus the one batch admitted before it was crossed.
        Assert.True(store.Hot.UnpersistedBytes <= (256 * 1024) + (100 * 300), $"{store.Hot.UnpersistedBytes} unsealed bytes");

        // Once the worker runs again it seals the backlog, and a client retrying as told gets in.
        store.Worker.Paused = false;
        var retry = 0;
        for (var attempt = 0; attempt < 50 && retry != 200; attempt++)
        {
            (retry, _, _) = await server.PostAsync("/api/ingest", """{"id":"bp-after","message":"m","service":"bp"}""", "application/x-ndjson");
            await Task.Delay(retry == 200 ? 0 : 100);
        }

        Assert.Equal(200, retry);
        acked.Add("bp-after");
        var stored = (await Api.SearchAllAsync(server, "service=bp&order=asc")).Select(Api.Id).ToList();
        Assert.Equal(acked.Order(), stored.Order());
    }
}
