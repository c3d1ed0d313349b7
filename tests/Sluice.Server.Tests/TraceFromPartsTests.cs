using ParquetSharp;
using Sluice.Server.Tests.Support;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Server.Tests;

/// <summary>
/// A trace read from sealed parts: every event found wherever the per-part trace index and the row groups put it,
/// oldest first (timestamp, then arrival order), and nothing else even when the index points at a part in error.
/// </summary>
public sealed class TraceFromPartsTests
{
    private const long Hour0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    private const long HourMs = 3_600_000;

    /// <summary>More log rows in hour 0 than a row group holds (32,768), so the hour's part has three of them.</summary>
    private const int Filler = 70_000;

    /// <summary>Filler logs of hour 0, 40 ms apart in arrival order; <paramref name="traceAt"/> maps a row to its trace id.</summary>
    private static IEnumerable<string> HourZero(string tag, Func<int, string?> traceAt) =>
        Enumerable.Range(0, Filler).Select(i =>
            traceAt(i) is { } trace
                ? Log($"{tag}-{i}", Hour0 + (i * 40L), trace)
                : Log($"{tag}-{i}", Hour0 + (i * 40L), $"{tag}-noise-{i % 997}"));

    private static string Log(string id, long timestamp, string trace) =>
        $$"""{"id":"{{id}}","timestamp":{{timestamp}},"level":"info","message":"step {{id}}","service":"svc","trace_id":"{{trace}}"}""";

    private static string Traffic(string id, long timestamp, string trace) =>
        $$"""{"id":"{{id}}","kind":"traffic","timestamp":{{timestamp}},"domain":"shop.example","path":"/p","method":"GET","status":200,"decision":"allow","trace_id":"{{trace}}"}""";

    private static List<string> Ids(System.Text.Json.JsonElement trace) =>
        [.. trace.GetProperty("events").EnumerateArray().Select(Api.Id)];

    [Fact]
    public async Task Trace_spread_over_parts_row_groups_and_memory_comes_back_whole_and_in_order()
    {
        await using var server = await TestServer.StartAsync();
        int[] rows = [5, 33_000, 66_000];
        await Api.PostAsync(server, HourZero("f", i => rows.Contains(i) ? "spread" : null));
        // Another kind and other hours (other parts), and two events of one millisecond that keep their arrival order.
        await Api.PostAsync(server,
        [
            Traffic("t-1", Hour0 + HourMs + 10, "spread"),
            Traffic("t-2", Hour0 + (2 * HourMs) + 500, "spread"),
            Log("tie-a", Hour0 + (2 * HourMs) + 500, "spread"),
            Log("tie-b", Hour0 + (2 * HourMs) + 500, "spread"),
            Log("l-3", Hour0 + (2 * HourMs) + 900, "spread"),
        ]);
        await Api.FlushAsync(server);
        await Api.WaitCompactedAsync(server);
        Assert.True(RowGroupsOfLargestPart(server, "log") >= 3, "hour 0 did not make a part of several row groups: the test's premise is gone");

        // Still in memory: one newer than all, one older than every sealed event, one on the tie's millisecond.
        await Api.PostAsync(server,
        [
            Log("hot-late", Hour0 + (3 * HourMs), "spread"),
            Traffic("hot-early", Hour0 + 1, "spread"),
            Log("hot-tie", Hour0 + (2 * HourMs) + 500, "spread"),
        ]);

        var trace = await server.GetJsonAsync("/api/traces/spread");
        Assert.Equal(
            ["hot-early", "f-5", "f-33000", "f-66000", "t-1", "t-2", "tie-a", "tie-b", "hot-tie", "l-3", "hot-late"],
            Ids(trace));
        Assert.False(trace.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Trace_only_in_a_later_row_group_is_found_and_a_part_that_claims_its_hash_adds_nothing()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, HourZero("g", i => i is 40_000 or 41_000 ? "late-group" : null));
        // Hour 1 (a traffic part) holds other traces only.
        await Api.PostAsync(server, Enumerable.Range(0, 200).Select(i => Traffic($"h1-{i}", Hour0 + HourMs + (i * 1000L), $"other-{i % 3}")));
        await Api.FlushAsync(server);
        await Api.WaitCompactedAsync(server);
        Assert.True(RowGroupsOfLargestPart(server, "log") >= 2, "hour 0 did not make a part of several row groups: the test's premise is gone");
        await server.RestartAsync(); // nothing of the trace left in memory
        Assert.Equal(["g-40000", "g-41000"], Ids(await server.GetJsonAsync("/api/traces/late-group")));

        // A 64-bit hash collision, forged: the hour-1 part's trace index now also lists "late-group" over its whole
        // hour. The part is opened, and none of its rows may come back.
        ClaimTrace(server, "traffic", "late-group");
        await server.RestartAsync(); // stats files are read once and cached
        Assert.Equal(["g-40000", "g-41000"], Ids(await server.GetJsonAsync("/api/traces/late-group")));
        Assert.Equal(67, (await server.GetJsonAsync("/api/traces/other-0")).GetProperty("events").GetArrayLength());
    }

    private static IEnumerable<string> Parts(TestServer server, string kind) =>
        Directory.EnumerateFiles(Path.Combine(server.DataDir, "partitions", kind), "*.parquet", SearchOption.AllDirectories);

    private static int RowGroupsOfLargestPart(TestServer server, string kind) => Parts(server, kind).Max(path =>
    {
        using var reader = new ParquetFileReader(path);
        using var metadata = reader.FileMetaData;
        return metadata.NumRowGroups;
    });

    /// <summary>Adds the trace's hash, spanning the whole hour, to the trace index of every part of the kind.</summary>
    private static void ClaimTrace(TestServer server, string kind, string traceId)
    {
        var key = TraceIndexFormat.KeyOf(FieldHash.Of64(System.Text.Encoding.UTF8.GetBytes(traceId)));
        foreach (var part in Parts(server, kind))
        {
            var statsPath = Path.ChangeExtension(part, ".stats.json");
            var stats = PartStats.Read(statsPath);
            var entries = stats.TraceKeys.Select((k, i) => (Key: k, First: stats.TraceFirst[i], Last: stats.TraceLast[i]))
                .Where(e => e.Key != key).Append((Key: key, First: 0u, Last: (uint)HourMs - 1)).OrderBy(e => e.Key).ToList();
            new PartStats(stats.Summary, [.. entries.Select(e => e.Key)], [.. entries.Select(e => e.First)], [.. entries.Select(e => e.Last)], stats.Text, stats.TextBlocks)
                .Write(statsPath);
        }
    }
}
